import BuildInfo
import Foundation
import Postgres
import TestSupport
import XCTest

/// The built `kneeflow` binary as a user runs it: enqueue (manifest and MRNet layout), work,
/// status, db, exit codes — from a directory that is not the repository, so migrations must
/// come from the binary itself.
final class QueueCLITests: XCTestCase {
    var dir: String!
    var url: String!

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        url = try TestDatabase.shared.makeDatabase()   // empty: the binary migrates it
        dir = NSTemporaryDirectory() + "kf-e2e-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/vols", withIntermediateDirectories: true)
    }

    override func tearDown() { if let dir { try? FileManager.default.removeItem(atPath: dir) } }

    func kf(_ args: [String], env: [String: String]? = nil) throws -> KneeflowBinary.Output {
        try KneeflowBinary.run(args, environment: env ?? ["DATABASE_URL": url, "KNEEFLOW_LOG_LEVEL": "warning"], cwd: dir)
    }

    func testEnqueueWorkStatusFromAnotherDirectory() throws {
        for c in ["a", "b", "semi;colon"] { try Data(c.utf8).write(to: URL(fileURLWithPath: dir + "/vols/\(c).npy")) }
        let manifest = ["case,path,label", "a,vols/a.npy,1", "b,vols/b.npy,0", "\"semi;colon\",vols/semi;colon.npy,1",
                        "gone,vols/gone.npy,0", "bad,vols/a.npy,2", ""].joined(separator: "\n")
        try manifest.write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        // The files are not volumes: the built-in checksum handler, not the imaging chain.
        try #"{"handler": "checksum"}"#.write(toFile: dir + "/checksum.json", atomically: true, encoding: .utf8)
        let first = try kf(["enqueue", "--run", "e2e", "--dataset", "ds=m.csv", "--config", "checksum.json"])
        XCTAssertEqual(first.status, 3, first.stderr)
        XCTAssertTrue(first.stdout.contains("3 new jobs"), first.stdout)
        let skipped = first.stderr.split(separator: "\n").filter { $0.hasPrefix("skipped: ") }
        XCTAssertEqual(skipped.count, 2, first.stderr)
        XCTAssertTrue(skipped[0].contains("m.csv:5") && skipped[0].contains("gone.npy"), String(skipped[0]))
        XCTAssertTrue(skipped[1].contains("m.csv:6"), String(skipped[1]))

        let again = try kf(["enqueue", "--run", "e2e", "--dataset", "ds=m.csv", "--config", "checksum.json"])
        XCTAssertTrue(again.stdout.contains("0 new jobs, 3 already queued"), again.stdout)

        let work = try kf(["work", "--exit-when-idle", "--concurrency", "2"])
        XCTAssertEqual(work.status, 0, work.stderr)
        XCTAssertTrue(work.stdout.contains("3 succeeded"), work.stdout)

        let status = try kf(["status", "--run", "e2e"])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("100.0%"), status.stdout)
        XCTAssertTrue(status.stdout.contains("3 ok, 0 failed, 0 running, 0 queued of 3"), status.stdout)
    }

    func testMRNetLayoutAndConfigConflict() throws {
        try FileManager.default.createDirectory(atPath: dir + "/valid/sagittal", withIntermediateDirectories: true)
        for c in ["1130", "1131"] { try Data(c.utf8).write(to: URL(fileURLWithPath: dir + "/valid/sagittal/\(c).npy")) }
        try "1130,1\n1131,0\n".write(toFile: dir + "/valid-acl.csv", atomically: true, encoding: .utf8)
        try "{\"handler\": \"checksum\", \"v\": 1}".write(toFile: dir + "/c1.json", atomically: true, encoding: .utf8)
        try "{\"handler\": \"checksum\", \"v\": 2}".write(toFile: dir + "/c2.json", atomically: true, encoding: .utf8)
        let ok = try kf(["enqueue", "--run", "mr", "--dataset", "valid=valid", "--config", "c1.json"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("2 new jobs"), ok.stdout)
        let conflict = try kf(["enqueue", "--run", "mr", "--dataset", "valid=valid", "--config", "c2.json"])
        XCTAssertEqual(conflict.status, 1)
        XCTAssertTrue(conflict.stderr.contains("different configuration"), conflict.stderr)
        let work = try kf(["work", "--exit-when-idle", "--run", "mr"])
        XCTAssertEqual(work.status, 0, work.stderr)
        XCTAssertTrue(work.stdout.contains("2 succeeded"), work.stdout)
    }

    /// `--version` and the runs it creates carry the build's code version (git commit, dirty flag).
    func testVersionAndRunsCarryTheBuildsCodeVersion() throws {
        let v = try kf(["--version"])
        XCTAssertEqual(v.status, 0, v.stderr)
        XCTAssertEqual(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines), BuildInfo.codeVersion)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/vols/a.npy"))
        try "case,path,label\na,vols/a.npy,1\n".write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        try #"{"handler": "noop"}"#.write(toFile: dir + "/noop.json", atomically: true, encoding: .utf8)
        let e = try kf(["enqueue", "--run", "versioned", "--config", "noop.json", "--dataset", "d=m.csv"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let conn = try PostgresConnection(url)
        defer { conn.close() }
        let stored = try conn.query("SELECT code_version FROM kneeflow.runs WHERE name = 'versioned'").first?
            .decode(String.self, column: "code_version")
        XCTAssertEqual(stored, BuildInfo.codeVersion)
    }

    func testUsageErrorsExitWith64() throws {
        let r = try kf(["enqueue", "--run", "x"])
        XCTAssertEqual(r.status, 64, r.stderr)
        let w = try kf(["work", "--concurrency", "0"])
        XCTAssertEqual(w.status, 64, w.stderr)
    }

    func testEmbeddedClusterUpUrlStatusDown() throws {
        let home = dir + "/home"
        let env = ["DATABASE_URL": "", "KNEEFLOW_HOME": home, "KNEEFLOW_LOG_LEVEL": "warning"]
        let up = try kf(["db", "up"], env: env)
        defer { _ = try? kf(["db", "down"], env: env) }
        XCTAssertEqual(up.status, 0, up.stderr)
        let u = try kf(["db", "url"], env: env)
        XCTAssertEqual(u.stdout.trimmingCharacters(in: .whitespacesAndNewlines), up.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertTrue(u.stdout.hasPrefix("postgresql://"), u.stdout)
        // psql accepts the URL.
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        psql.arguments = [u.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "-XAtc", "SELECT count(*) FROM kneeflow.schema_migrations"]
        let pipe = Pipe()
        psql.standardOutput = pipe
        psql.standardError = FileHandle.nullDevice
        try psql.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        psql.waitUntilExit()
        XCTAssertEqual(psql.terminationStatus, 0)
        XCTAssertGreaterThanOrEqual(Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 3, out)
        let st = try kf(["db", "status"], env: env)
        XCTAssertEqual(st.status, 0, st.stderr)
        XCTAssertTrue(st.stdout.contains("running on port"), st.stdout)
        let down = try kf(["db", "down"], env: env)
        XCTAssertEqual(down.status, 0, down.stderr)
        let st2 = try kf(["db", "status"], env: env)
        XCTAssertEqual(st2.status, 3)
        XCTAssertTrue(st2.stdout.contains("not running"), st2.stdout)
    }
}
