import Foundation
import Logging

/// Logging for the executable: swift-log to stderr, level from `KNEEFLOW_LOG_LEVEL`
/// (trace|debug|info|notice|warning|error|critical; default info). Bootstrapped once.
enum CLILogging {
    static let bootstrap: Void = {
        let level = ProcessInfo.processInfo.environment["KNEEFLOW_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
    }()

    static func logger(_ label: String) -> Logger {
        _ = bootstrap
        return Logger(label: label)
    }
}
