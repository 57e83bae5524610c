import Foundation
import XCTest

/// Locates and runs the built `kneeflow` executable for end-to-end tests.
public enum KneeflowBinary {
    /// `KNEEFLOW_BIN` (set by `make test`), else `<swift build --show-bin-path>/kneeflow` found
    /// next to the test bundle, else `nil`.
    public static func path() -> String? {
        if let p = ProcessInfo.processInfo.environment["KNEEFLOW_BIN"], !p.isEmpty,
           FileManager.default.isExecutableFile(atPath: p) { return p }
        // The test bundle lives in the same bin directory as the executable.
        for b in Bundle.allBundles + [Bundle.main] {
            var dir = URL(fileURLWithPath: b.bundlePath)
            for _ in 0..<3 {
                let cand = dir.appendingPathComponent("kneeflow").path
                if FileManager.default.isExecutableFile(atPath: cand) { return cand }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// For a test's `setUp`: the binary's path, or a skip — a failure under
    /// `KNEEFLOW_REQUIRE_DB=1` (CI), where every test must run.
    @discardableResult
    public static func require(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        if let p = path() { return p }
        if ProcessInfo.processInfo.environment["KNEEFLOW_REQUIRE_DB"] == "1" {
            XCTFail("kneeflow binary not found (build it, or set KNEEFLOW_BIN)", file: file, line: line)
        }
        throw XCTSkip("kneeflow binary not found (build it, or set KNEEFLOW_BIN)")
    }

    /// Output of one run of the binary.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Starts `kneeflow args…` with extra environment variables; the caller waits or signals.
    /// The binary runs with `KNEEFLOW_TEST_HANDLERS=1`, so `{"handler": "test"}` runs the
    /// test-only `TestBehaviourHandler`. `launcher` (e.g. `ip netns exec NS`) runs the binary
    /// through another command.
    public static func start(_ args: [String], environment: [String: String] = [:], cwd: String? = nil,
                             stdout: FileHandle? = nil, stderr: FileHandle? = nil, launcher: [String] = []) throws -> Process {
        guard let bin = path() else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "kneeflow binary (set KNEEFLOW_BIN)"]) }
        let p = Process()
        if let first = launcher.first {
            p.executableURL = URL(fileURLWithPath: first)
            p.arguments = Array(launcher.dropFirst()) + [bin] + args
        } else {
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = args
        }
        var env = ProcessInfo.processInfo.environment
        env["KNEEFLOW_TEST_HANDLERS"] = "1"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = stdout ?? FileHandle.nullDevice
        p.standardError = stderr ?? FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Runs `kneeflow args…` to completion, capturing stdout and stderr (via temp files, so a
    /// chatty process never blocks).
    public static func run(_ args: [String], environment: [String: String] = [:], cwd: String? = nil,
                           launcher: [String] = []) throws -> Output {
        let dir = NSTemporaryDirectory() + "kf-out-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/o", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/e", contents: nil)
        let o = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/o"))
        let e = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/e"))
        let p = try start(args, environment: environment, cwd: cwd, stdout: o, stderr: e, launcher: launcher)
        p.waitUntilExit()
        try? o.close(); try? e.close()
        return Output(status: p.terminationStatus,
                      stdout: (try? String(contentsOfFile: dir + "/o", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: dir + "/e", encoding: .utf8)) ?? "")
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass (no bare sleeps in
/// tests). Returns whether it held.
public func waitUntil(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
