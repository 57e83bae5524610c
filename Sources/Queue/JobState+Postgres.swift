import Common
import Postgres

/// `JobState` in SQL: bound and decoded as its text (the `kneeflow.job_state` labels).
extension JobState: PostgresDecodable, PostgresBindable {
    public static func decode(postgresText text: String?) -> JobState? { text.flatMap(JobState.init(rawValue:)) }
    public var postgresText: String? { rawValue }
}
