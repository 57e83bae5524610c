import Foundation

/// `--listen ADDR[:PORT]` (IPv6 as `[ADDR]:PORT`) plus the name workers use to reach it.
public struct ListenSpec: Sendable, Equatable {
    /// What the server binds (`listen_addresses`): an IP, a host name, or `*` / `0.0.0.0` / `::`.
    public var address: String
    /// `nil` = keep the cluster's recorded port.
    public var port: Int?
    /// Host name or IP in the server certificate and in printed URLs.
    public var advertise: String

    /// - Parameters:
    ///   - text: `ADDR`, `ADDR:PORT`, `[IPv6]` or `[IPv6]:PORT`.
    ///   - advertise: required when ADDR is a wildcard.
    /// - Throws: `PostgresError(.cluster)` explaining the accepted forms.
    public init(parsing text: String, advertise: String? = nil) throws {
        var addr = text
        var port: Int?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw Self.bad(text) }
            addr = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { throw Self.bad(text) }
                port = p
            }
        } else if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            addr = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]) else { throw Self.bad(text) }
            port = p
        }
        if let p = port, !(1...65535).contains(p) { throw PostgresError(.cluster, "--listen port must be 1…65535") }
        guard !addr.isEmpty, addr.allSatisfy({ $0.isLetter || $0.isNumber || ".-:*".contains($0) }) else { throw Self.bad(text) }
        let wildcard = ["*", "0.0.0.0", "::"].contains(addr)
        guard let name = advertise ?? (wildcard ? nil : addr), !name.isEmpty else {
            throw PostgresError(.cluster, "--listen \(text) binds every address: add --advertise NAME, the host name or IP workers connect to (it goes into the server certificate)")
        }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || ".-:".contains($0) }) else {
            throw PostgresError(.cluster, "--advertise must be a host name or IP address")
        }
        self.address = addr
        self.port = port
        self.advertise = name
    }

    static func bad(_ text: String) -> PostgresError {
        PostgresError(.cluster, "--listen \(text): expected ADDR, ADDR:PORT or [IPv6]:PORT (e.g. 10.0.0.5:5433)")
    }

    /// The names a generated certificate holds: the advertised name and the bound address
    /// (unless it is a wildcard).
    static func certificateNames(address: String, advertise: String) -> [String] {
        var names = [advertise]
        if !["*", "0.0.0.0", "::"].contains(address), address != advertise { names.append(address) }
        return names
    }

    /// True for an IPv4 or IPv6 literal.
    static func isIPAddress(_ s: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }
}

extension EmbeddedCluster {
    /// A TCP port on 127.0.0.1 that is free right now (bind to port 0, read it back).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresError(.cluster, "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, len) == 0 else { return -1 }
                return getsockname(fd, p, &len)
            }
        }
        guard rc == 0 else { throw PostgresError(.cluster, "cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Why `port` cannot be bound on an IPv4 `address` (a wildcard checks 0.0.0.0), or `nil`
    /// when it can (or the address is not an IPv4 literal: the server then reports it itself).
    static func portInUse(address: String, port: Int) -> String? {
        let a = ["*", "0.0.0.0"].contains(address) ? "0.0.0.0" : address
        var sin = sockaddr_in()
        guard inet_pton(AF_INET, a, &sin.sin_addr) == 1 else { return nil }
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(port).bigEndian
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return nil }
        return errno == EADDRINUSE ? "address already in use" : "bind failed: errno \(errno)"
    }
}
