import Foundation
import TestSupport
import XCTest

/// ops/systemd/ as systemd itself reads it: `systemd-analyze verify` on every unit (a copy whose
/// ExecStart names the built binary, since verify insists the command exists), proof that verify
/// does see a broken copy, the hardening's exposure score, and the worker's command line run
/// against a real queue.
final class SystemdUnitTests: XCTestCase {
    static let installedBinary = "/usr/local/bin/kneeflow"
    var analyze: String!
    var dir: String!

    override func setUpWithError() throws {
        analyze = try Deploy.tool("/usr/bin/systemd-analyze")
        try KneeflowBinary.require()
        dir = try Deploy.tempDir("kf-units")
    }

    override func tearDown() { if let dir { try? FileManager.default.removeItem(atPath: dir) } }

    /// Unit files of ops/systemd (services and timers).
    func unitFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Deploy.ops("systemd"))
            .filter { $0.hasSuffix(".service") || $0.hasSuffix(".timer") }.sorted()
    }

    /// Copies the units into `dir` with the installed binary's path replaced by the built one;
    /// `edit` may change one file's text. Returns the unit names to verify (templates as @1).
    @discardableResult
    func copyUnits(edit: (String, String) -> String = { $1 }) throws -> [String] {
        let bin = try XCTUnwrap(KneeflowBinary.path())
        var names: [String] = [], replaced = 0
        for f in try unitFiles() {
            let text = try String(contentsOfFile: Deploy.ops("systemd/" + f), encoding: .utf8)
            replaced += text.components(separatedBy: "ExecStart=\(Self.installedBinary) ").count - 1
            let copy = edit(f, text.replacingOccurrences(of: "ExecStart=\(Self.installedBinary) ", with: "ExecStart=\(bin) "))
            try copy.write(toFile: dir + "/" + f, atomically: true, encoding: .utf8)
            names.append(dir + "/" + f.replacingOccurrences(of: "@.service", with: "@1.service"))
        }
        XCTAssertEqual(replaced, 3, "each of the three services runs \(Self.installedBinary)")
        return names
    }

    func verify(_ units: [String]) throws -> Deploy.Output { try Deploy.run(analyze, ["verify"] + units, cwd: dir) }

    func testEveryUnitPassesSystemdAnalyzeVerify() throws {
        let units = try copyUnits()
        XCTAssertEqual(try unitFiles(), ["kneeflow-migrate.service", "kneeflow-status.service", "kneeflow-status.timer", "kneeflow-worker@.service"])
        let r = try verify(units)
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.all, "", "verify warns about nothing")
    }

    /// A bad value, an unknown key or a missing command each make verify speak, so the test
    /// above would fail on them.
    func testVerifySeesABrokenCopy() throws {
        let breakages: [(String, String, String)] = [
            ("ProtectSystem=strict", "ProtectSystem=stric", "protect system"),
            ("MemoryMax=512M", "MemoryMaxx=512M", "Unknown key"),
            ("RestrictAddressFamilies=AF_UNIX", "RestrictAddressFamilies=AF_UNIXX", "address famil"),
        ]
        for (from, to, expect) in breakages {
            let units = try copyUnits { f, text in
                f == "kneeflow-worker@.service" ? text.replacingOccurrences(of: from, with: to) : text
            }
            let r = try verify(units)
            XCTAssertTrue(r.all.localizedCaseInsensitiveContains(expect), "\(to): \(r.all)")
        }
        let units = try copyUnits { f, text in
            f == "kneeflow-status.service" ? text.replacingOccurrences(of: "ExecStart=/", with: "ExecStart=/nonexistent/") : text
        }
        let r = try verify(units)
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.all.contains("is not executable"), r.all)
    }

    /// `systemd-analyze security --offline`: every service stays at "OK" exposure (≤ 2.0 of 10;
    /// 1.2 when written).
    func testHardeningExposure() throws {
        let units = try copyUnits().filter { $0.hasSuffix(".service") }
        for u in units {
            let r = try Deploy.run(analyze, ["security", "--offline=true", u], cwd: dir)
            XCTAssertEqual(r.status, 0, r.all)
            let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }, r.all)
            let score = try XCTUnwrap(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }, String(line))
            XCTAssertLessThanOrEqual(score, 2.0, String(line))
        }
    }

    /// Settings of the worker unit as (key, value) pairs, in order.
    func workerSettings() throws -> [(String, String)] {
        try String(contentsOfFile: Deploy.ops("systemd/kneeflow-worker@.service"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("=") }
            .map { l in let i = l.firstIndex(of: "=")!; return (String(l[..<i]), String(l[l.index(after: i)...])) }
    }

    func testWorkerUnitStopsAfterTheGraceAndWritesOnlyTheArtifactStore() throws {
        let s = try workerSettings()
        func one(_ k: String) throws -> String { try XCTUnwrap(s.first { $0.0 == k }?.1, k) }
        let exec = try one("ExecStart").split(separator: " ").map(String.init)
        let grace = try XCTUnwrap(exec.firstIndex(of: "--grace").flatMap { Double(exec[$0 + 1]) })
        let stop = try XCTUnwrap(Double(try one("TimeoutStopSec").replacingOccurrences(of: "s", with: "")))
        XCTAssertGreaterThan(stop, grace, "SIGKILL only after the grace has run out")
        XCTAssertEqual(try one("KillSignal"), "SIGTERM")
        XCTAssertEqual(exec[exec.firstIndex(of: "--threads")! + 1], "1")
        XCTAssertEqual(try one("User"), "kneeflow")
        XCTAssertEqual(try one("ProtectSystem"), "strict")
        let env = try String(contentsOfFile: Deploy.ops("systemd/worker.env.example"), encoding: .utf8)
        let artifacts = try XCTUnwrap(env.split(separator: "\n").first { $0.hasPrefix("KNEEFLOW_ARTIFACTS=") }?.dropFirst("KNEEFLOW_ARTIFACTS=".count))
        XCTAssertEqual(s.filter { $0.0 == "ReadWritePaths" }.map(\.1), [String(artifacts)], "the only writable path is the store")
        XCTAssertEqual(try one("RequiresMountsFor"), String(artifacts))
    }

    /// The unit's own command lines against a real queue: the guard refuses a missing
    /// DATABASE_URL (no silent embedded cluster), and ExecStart works the queue.
    func testWorkerCommandLineWorksTheQueue() throws {
        let s = try workerSettings()
        let pre = try XCTUnwrap(s.first { $0.0 == "ExecStartPre" }?.1)
        XCTAssertTrue(pre.hasPrefix("/bin/sh -c '") && pre.hasSuffix("'"), pre)
        let script = String(pre.dropFirst("/bin/sh -c '".count).dropLast()).replacingOccurrences(of: "$$", with: "$")
        let refused = try Deploy.run("/bin/sh", ["-c", script], environment: ["DATABASE_URL": ""])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("DATABASE_URL is not set"), refused.stderr)

        let url = try TestDatabase.shared.makeDatabase()
        XCTAssertEqual(try Deploy.run("/bin/sh", ["-c", script], environment: ["DATABASE_URL": url]).status, 0)
        for c in ["a", "b", "c"] { try Data(c.utf8).write(to: URL(fileURLWithPath: dir + "/\(c).npy")) }
        try "case,path,label\na,a.npy,0\nb,b.npy,1\nc,c.npy,0\n".write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        try #"{"handler": "test"}"#.write(toFile: dir + "/t.json", atomically: true, encoding: .utf8)
        var env = ["DATABASE_URL": url, "KNEEFLOW_ARTIFACTS": dir + "/artifacts", "KNEEFLOW_LOG_LEVEL": "warning"]
        let e = try KneeflowBinary.run(["enqueue", "--run", "unit", "--config", "t.json", "--dataset", "d=m.csv"], environment: env, cwd: dir)
        XCTAssertEqual(e.status, 0, e.stderr)
        for (k, v) in s where k == "Environment" {
            let kv = v.split(separator: "=", maxSplits: 1).map(String.init)
            env[kv[0]] = kv[1]
        }
        XCTAssertEqual(env["OPENBLAS_NUM_THREADS"], "1")
        // $KNEEFLOW_WORK_ARGS from the environment file; here: stop when the queue is empty.
        let exec = try XCTUnwrap(s.first { $0.0 == "ExecStart" }?.1).split(separator: " ").map(String.init)
        XCTAssertEqual(exec.first, Self.installedBinary)
        let args = exec.dropFirst().flatMap { $0 == "$KNEEFLOW_WORK_ARGS" ? ["--exit-when-idle"] : [$0] }
        XCTAssertTrue(exec.contains("$KNEEFLOW_WORK_ARGS"))
        let w = try KneeflowBinary.run(Array(args), environment: env, cwd: dir)
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertTrue(w.stdout.contains("3 succeeded, 0 failed"), w.stdout)
    }
}
