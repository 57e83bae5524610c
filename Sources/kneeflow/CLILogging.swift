import Common
import Foundation
import Logging

/// Logging for the executable: swift-log to stderr, level from `KNEEFLOW_LOG_LEVEL`
/// (trace|debug|info|notice|warning|error|critical; default info). Bootstrapped once. Messages
/// and metadata carry case ids, run names and error text from users and the database, so every
/// control character in them is escaped (`TerminalText`) before it reaches the terminal.
enum CLILogging {
    static let bootstrap: Void = {
        let level = ProcessInfo.processInfo.environment["KNEEFLOW_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return EscapingLogHandler(inner: h)
        }
    }()

    static func logger(_ label: String) -> Logger {
        _ = bootstrap
        return Logger(label: label)
    }
}

/// Wraps a handler so that no control character of a message or metadata value is printed raw.
struct EscapingLogHandler: LogHandler {
    var inner: StreamLogHandler

    func log(event: LogEvent) {
        var e = event
        e.message = Logger.Message(stringLiteral: TerminalText.escape(event.message.description))
        e.metadata = event.metadata.map(Self.escape)
        inner.log(event: e)
    }

    static func escape(_ m: Logger.Metadata) -> Logger.Metadata { m.mapValues(escape) }

    static func escape(_ v: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch v {
        case .string(let s): return .string(TerminalText.escape(s))
        case .stringConvertible(let s): return .string(TerminalText.escape(s.description))
        case .array(let a): return .array(a.map(escape))
        case .dictionary(let d): return .dictionary(escape(d))
        }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map(Self.escape) }
    }
    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = Self.escape(newValue) }
    }
    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
}
