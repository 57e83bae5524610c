extension Migration {
    /// The migrations of `sql/` (linked into the Queue target as Sources/Queue/sql), in version order. SwiftPM embeds each file's bytes
    /// in the binary at build time (`.embedInCode("sql")` in Package.swift), so `kneeflow`
    /// migrates from any directory and the files stay the only copy. SwiftPM names each file's
    /// bytes after the file, its first character replaced by `_` (`001_schema.sql` →
    /// `_01_schema_sql`). Add a new file here and to the directory together; a test checks that
    /// this list and the directory agree.
    public static let all: [Migration] = [
        Migration(file: "001_schema.sql", PackageResources._01_schema_sql),
        Migration(file: "002_queue_functions.sql", PackageResources._02_queue_functions_sql),
        Migration(file: "003_monitoring_views.sql", PackageResources._03_monitoring_views_sql),
        Migration(file: "004_claim_plan.sql", PackageResources._04_claim_plan_sql),
        Migration(file: "005_job_state.sql", PackageResources._05_job_state_sql),
        Migration(file: "006_roles.sql", PackageResources._06_roles_sql),
        Migration(file: "007_confined_jobs.sql", PackageResources._07_confined_jobs_sql),
        Migration(file: "008_queue_depth.sql", PackageResources._08_queue_depth_sql),
    ]

    /// A migration from its file name (`NNN_name.sql`) and bytes (UTF-8).
    init(file: String, _ bytes: [UInt8]) {
        let stem = file.dropLast(".sql".count)
        let version = Int(stem.prefix(3))!
        self.init(version: version, name: String(stem.dropFirst(4)), sql: String(decoding: bytes, as: UTF8.self))
    }
}
