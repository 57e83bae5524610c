import Common

/// The error type of the `Queue` module: a code plus log-safe context.
public struct QueueError: ModuleError {
    public enum Code: String, Sendable {
        /// An applied migration's text changed, or the database is newer than this binary.
        case migration
        /// The database's schema is not the one this binary expects (unmigrated, behind or
        /// newer) and this command does not migrate (`kneeflow work`).
        case schema
        /// A run with this name exists with a different configuration.
        case runConflict
        /// No run with this name.
        case runNotFound
        /// An input (manifest, directory, config file) is unusable.
        case input
        /// No handler for a run's configuration.
        case handler
        /// Anything else from the queue's own logic.
        case state
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
}
