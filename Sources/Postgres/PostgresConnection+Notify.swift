import CLibPQ
import Foundation

/// A notification received on a channel this connection listens to.
public struct PostgresNotification: Sendable {
    public let channel: String
    public let payload: String
    public let pid: Int32
}

extension PostgresConnection {
    /// LISTEN on `channel` (re-issued automatically after `reconnect`).
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(identifier: channel)")
        if !listening.contains(channel) { listening.append(channel) }
    }

    /// Sends a notification (`pg_notify`, so channel and payload are bound values).
    public func notify(_ channel: String, payload: String = "") throws {
        try query("SELECT pg_notify(\(channel), \(payload))")
    }

    /// Waits up to `timeout` seconds for a notification, polling the connection's socket.
    /// - Returns: the notification, or `nil` when the timeout elapsed.
    /// - Throws: `PostgresError(.connection)` when the connection broke while waiting.
    public func waitForNotification(timeout: Double) throws -> PostgresNotification? {
        let c = try handle()
        let deadline = Date().addingTimeInterval(max(0, timeout))
        while true {
            if PQconsumeInput(c) == 0 {
                throw PostgresError(.connection, Self.oneLine(String(cString: PQerrorMessage(c))))
            }
            if let n = PQnotifies(c) {
                defer { PQfreemem(n) }
                return PostgresNotification(channel: String(cString: n.pointee.relname),
                                            payload: String(cString: n.pointee.extra),
                                            pid: n.pointee.be_pid)
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var pfd = pollfd(fd: PQsocket(c), events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, Int32(min(remaining * 1000, 60_000).rounded(.up)))
            if rc < 0 && errno != EINTR {
                throw PostgresError(.connection, "poll failed: errno \(errno)")
            }
        }
    }
}
