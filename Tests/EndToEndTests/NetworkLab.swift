import Foundation
import TestSupport
import XCTest

/// Several "hosts" on one machine for the multi-host test: Linux network namespaces joined by a
/// bridge that lives in a namespace of its own (the switch), each host with one veth link and an
/// address in a private /24 that exists only inside these namespaces. Cutting a host's link sets
/// its switch port down: packets are dropped silently, as when a cable or a switch fails, so open
/// TCP connections hang instead of being reset. Everything is removed by `tearDown()` (deleting a
/// namespace deletes its veth ends).
///
/// Needs root (CAP_NET_ADMIN) and iproute2's `ip`; `available()` says why not when it cannot run.
final class NetworkLab {
    /// A host: its namespace, address and the switch port that carries its link.
    struct Host {
        let name: String
        let namespace: String
        let address: String
        let switchPort: String
    }

    let prefix: String
    let subnet: String
    private(set) var hosts: [Host] = []
    private var namespaces: [String] = []
    private var processes: [Process] = []
    let ip: String

    var switchNamespace: String { prefix + "sw" }

    /// Why the lab cannot run here, or `nil` when it can.
    static func unavailableReason() -> String? {
        guard geteuid() == 0 else { return "needs root for network namespaces (CI runs as root)" }
        guard ipPath() != nil else { return "iproute2's ip is not installed (ops/install-deps.sh installs it)" }
        return nil
    }

    static func ipPath() -> String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Builds the switch and one namespace per host name, addresses `<subnet>.1`, `.2`, … in order.
    init(hostNames: [String]) throws {
        guard let ip = Self.ipPath() else { throw XCTSkip("no ip command") }
        self.ip = ip
        // Short, unique per test process: interface names are limited to 15 characters.
        let tag = String(getpid() % 100_000)
        prefix = "kf\(tag)"
        // A /24 inside 10.213.0.0/16 chosen from the pid; the addresses exist only in our namespaces.
        subnet = "10.213.\(getpid() % 250 + 1)"
        try makeNamespace(switchNamespace)
        try sh(["-n", switchNamespace, "link", "add", "br0", "type", "bridge"])
        try sh(["-n", switchNamespace, "link", "set", "br0", "up"])
        for (i, name) in hostNames.enumerated() {
            let ns = prefix + name
            let hostEnd = "\(prefix)h\(i)", switchEnd = "\(prefix)s\(i)"
            try makeNamespace(ns)
            try sh(["link", "add", hostEnd, "type", "veth", "peer", "name", switchEnd])
            try sh(["link", "set", hostEnd, "netns", ns])
            try sh(["link", "set", switchEnd, "netns", switchNamespace])
            try sh(["-n", switchNamespace, "link", "set", switchEnd, "master", "br0"])
            try sh(["-n", switchNamespace, "link", "set", switchEnd, "up"])
            let address = "\(subnet).\(i + 1)"
            try sh(["-n", ns, "addr", "add", address + "/24", "dev", hostEnd])
            try sh(["-n", ns, "link", "set", hostEnd, "up"])
            try sh(["-n", ns, "link", "set", "lo", "up"])
            hosts.append(Host(name: name, namespace: ns, address: address, switchPort: switchEnd))
        }
    }

    func host(_ name: String) -> Host { hosts.first { $0.name == name }! }

    /// Cuts (`up: false`) or restores a host's link at the switch.
    func setLink(_ host: Host, up: Bool) throws {
        try sh(["-n", switchNamespace, "link", "set", host.switchPort, up ? "up" : "down"])
    }

    /// Runs `kneeflow args…` inside a host's namespace to completion.
    func kneeflow(on host: Host, _ args: [String], environment: [String: String]) throws -> KneeflowBinary.Output {
        try KneeflowBinary.run(args, environment: environment, launcher: [ip, "netns", "exec", host.namespace])
    }

    /// Starts `kneeflow args…` inside a host's namespace; output goes to `log`.
    func startKneeflow(on host: Host, _ args: [String], environment: [String: String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let p = try KneeflowBinary.start(args, environment: environment, stdout: h, stderr: h,
                                         launcher: [ip, "netns", "exec", host.namespace])
        processes.append(p)
        return p
    }

    /// Can a TCP connection from `host` reach `address:port` within `timeout` seconds?
    func canConnect(from host: Host, to address: String, port: Int, timeout: Double = 2) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ip)
        p.arguments = ["netns", "exec", host.namespace, "timeout", String(timeout), "bash", "-c",
                       "exec 3<>/dev/tcp/\(address)/\(port)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// Kills what is still running and deletes every namespace (and so every link) it made.
    func tearDown() {
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        for ns in namespaces.reversed() { _ = try? sh(["netns", "del", ns], check: false) }
        namespaces = []
    }

    private func makeNamespace(_ ns: String) throws {
        _ = try? sh(["netns", "del", ns], check: false) // a leftover of a killed earlier run
        try sh(["netns", "add", ns])
        namespaces.append(ns)
    }

    @discardableResult
    private func sh(_ args: [String], check: Bool = true) throws -> Int32 {
        let r = try ToolProcess.run(ip, args)
        if check, r.status != 0 {
            throw NSError(domain: "NetworkLab", code: Int(r.status), userInfo: [
                NSLocalizedDescriptionKey: "ip \(args.joined(separator: " ")): \(r.stderr)"])
        }
        return r.status
    }
}
