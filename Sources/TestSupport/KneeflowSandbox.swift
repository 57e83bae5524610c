import Foundation
import XCTest

/// What an end-to-end test that drives the built `kneeflow` needs: a fresh database on the
/// shared test server, a throwaway directory, and the environment that points the binary at
/// both (artifacts and home inside the directory, one OpenBLAS thread per process).
public struct KneeflowSandbox: Sendable {
    /// The throwaway directory (artifacts under `dir/artifacts`, the home under `dir/home`).
    public let dir: String
    /// DATABASE_URL, KNEEFLOW_ARTIFACTS, KNEEFLOW_HOME, OPENBLAS_NUM_THREADS.
    public let env: [String: String]

    /// For a test's `setUp`: skips (or fails under `KNEEFLOW_REQUIRE_DB=1`) without the binary.
    public static func make(prefix: String) throws -> KneeflowSandbox {
        try KneeflowBinary.require()
        let url = try TestDatabase.shared.makeDatabase()
        let dir = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return KneeflowSandbox(dir: dir, env: ["DATABASE_URL": url, "KNEEFLOW_ARTIFACTS": dir + "/artifacts",
                                               "KNEEFLOW_HOME": dir + "/home", "OPENBLAS_NUM_THREADS": "1"])
    }

    /// Removes the directory (for `tearDown`).
    public func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs `kneeflow args` to completion and asserts its exit status (stderr in the message).
    @discardableResult
    public func run(_ args: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> KneeflowBinary.Output {
        let out = try KneeflowBinary.run(args, environment: env)
        XCTAssertEqual(out.status, status, "kneeflow \(args.joined(separator: " ")):\n\(out.stderr.suffix(3000))", file: file, line: line)
        return out
    }

    /// Runs `n` `kneeflow work --run run --exit-when-idle` processes until the queue is idle;
    /// each must exit 0.
    public func work(_ n: Int, run: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let procs = try (0..<n).map { _ in try KneeflowBinary.start(["work", "--run", run, "--exit-when-idle", "--poll", "0.5"], environment: env) }
        for p in procs { p.waitUntilExit(); XCTAssertEqual(p.terminationStatus, 0, "a worker of run \(run)", file: file, line: line) }
    }
}
