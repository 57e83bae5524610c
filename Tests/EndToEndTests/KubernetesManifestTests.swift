import Foundation
import Postgres
import TestSupport
import XCTest

/// ops/k8s/ checked offline by ops/k8s/validate.py (Kubernetes' JSON schemas from PyPI's
/// kubernetes-validate, strict; KEDA's required fields; references between the files), and the
/// KEDA trigger's SQL run against a real queue as the monitor role it logs in as.
final class KubernetesManifestTests: XCTestCase {
    var python: String!

    override func setUpWithError() throws {
        python = try Deploy.tool(Deploy.repo + "/.build/ops-venv/bin/python")
    }

    struct Report: Decodable { let errors: [String]; let checked: [String]; let scaler_queries: [String] }

    func validate(_ dir: String) throws -> (Int32, Report) {
        let r = try Deploy.run(python, [Deploy.ops("k8s/validate.py"), dir])
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        return (r.status, report)
    }

    func testManifestsValidate() throws {
        let (status, report) = try validate(Deploy.ops("k8s"))
        XCTAssertEqual(report.errors, [])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(report.checked.count, 6, "\(report.checked)")
        for kind in ["Deployment/", "Secret/", "PersistentVolumeClaim/", "Job/", "ScaledObject/", "TriggerAuthentication/"] {
            XCTAssertTrue(report.checked.contains { $0.contains(kind) }, kind)
        }
    }

    /// Each kind of mistake the validator exists for is reported.
    func testValidatorRejectsBrokenCopies() throws {
        let cases: [(String, String, String, String)] = [
            ("worker-deployment.yaml", "terminationGracePeriodSeconds: 60", "terminationGracePeriodSecond: 60", "was unexpected"),
            ("worker-deployment.yaml", "terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 20", "must exceed --grace"),
            ("worker-deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem"),
            ("worker-deployment.yaml", "key: DATABASE_URL", "key: DATABASE_URI", "has no key DATABASE_URI"),
            ("scaledobject.yaml", "targetQueryValue: \"1\"", "targetQueryValue: 1", "must be a string"),
            ("scaledobject.yaml", "    name: kneeflow-worker\n  minReplicaCount", "    nam: kneeflow-worker\n  minReplicaCount", "scaleTargetRef.name"),
            ("scaledobject.yaml", "        query: ", "        querry: ", "needs metadata.query"),
            ("pvc.yaml", "- ReadWriteMany", "- ReadWriteOnce", "ReadWriteMany"),
        ]
        for (file, from, to, expect) in cases {
            let dir = try Deploy.tempDir("kf-k8s")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            for f in try FileManager.default.contentsOfDirectory(atPath: Deploy.ops("k8s")) where f.hasSuffix(".yaml") {
                var text = try String(contentsOfFile: Deploy.ops("k8s/" + f), encoding: .utf8)
                if f == file {
                    XCTAssertTrue(text.contains(from), "\(f) no longer contains \(from)")
                    text = text.replacingOccurrences(of: from, with: to)
                }
                try text.write(toFile: dir + "/" + f, atomically: true, encoding: .utf8)
            }
            let (status, report) = try validate(dir)
            XCTAssertEqual(status, 1, "\(to)")
            XCTAssertTrue(report.errors.contains { $0.contains(expect) }, "\(to): \(report.errors)")
        }
    }

    /// The ScaledObject's query, as the monitor login, returns the unfinished jobs (queued +
    /// running) counted from the jobs table — and 0 once the queue is drained.
    func testScalerQueryReturnsTheQueueDepth() throws {
        let (_, report) = try validate(Deploy.ops("k8s"))
        let query = try XCTUnwrap(report.scaler_queries.first)
        XCTAssertEqual(report.scaler_queries.count, 1)
        let fixture = try DeployQueueFixture.make()
        defer { fixture.remove() }
        let monitor = try PostgresConnection(try Deploy.monitorLogin(databaseURL: fixture.url))
        defer { monitor.close() }
        func depth() throws -> Int {
            let rows = try monitor.query(PostgresQuery(unsafeSQL: query))
            XCTAssertEqual(rows.count, 1, "one row, one integer")
            return try XCTUnwrap(rows.first).decode(Int.self, column: "coalesce")
        }
        var expected = 0
        for run in ["done", "pending", "timed"] {
            expected += try fixture.jobs(run: run, state: "queued") + fixture.jobs(run: run, state: "running")
        }
        XCTAssertEqual(expected, DeployQueueFixture.unfinished)
        XCTAssertEqual(try depth(), expected)
        // Drain it: a worker finishes the queued jobs; the claimed one is released back first.
        let admin = try PostgresConnection(fixture.url)
        defer { admin.close() }
        try admin.execute("SELECT kneeflow.release(id, lease_token) FROM kneeflow.jobs WHERE state = 'running'")
        let w = try fixture.kf(["work", "--exit-when-idle"])
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertEqual(try depth(), 0)
    }
}
