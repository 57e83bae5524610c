import Foundation
import Logging

extension PostgresConnection {
    /// Connects with the resolver's connection string, retrying with exponential backoff
    /// (0.2 s doubling to 5 s, each failure logged) — a worker started while its server restarts
    /// waits for it instead of exiting — until `timeout` seconds pass or `shouldStop()`.
    /// - Throws: the last error, as `PostgresError(.connection)` naming how long it tried.
    public static func connect(resolver: @escaping Resolver, timeout: Double, logger: Logger,
                               shouldStop: () -> Bool = { false }) throws -> PostgresConnection {
        let start = Date()
        var delay = 0.2
        var attempt = 0
        while true {
            attempt += 1
            do { return try PostgresConnection(resolver: resolver, logger: logger) } catch {
                let waited = Date().timeIntervalSince(start)
                if waited >= timeout || shouldStop() {
                    if let pe = error as? PostgresError, attempt == 1 { throw pe }
                    throw PostgresError(.connection, "cannot reach the database after \(attempt) attempts in \(Int(waited.rounded())) s: \(error)")
                }
                logger.warning("cannot connect to the database yet; retrying",
                               metadata: ["error": "\(error)", "attempt": "\(attempt)", "delay.s": "\(delay)",
                                          "gives.up.in.s": "\(Int((timeout - waited).rounded()))"])
                Thread.sleep(forTimeInterval: min(delay, max(0.01, timeout - waited)))
                delay = min(delay * 2, 5)
            }
        }
    }
}
