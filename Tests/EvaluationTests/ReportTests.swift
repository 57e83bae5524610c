import Common
import Foundation
import XCTest
import TestSupport
@testable import Evaluation

final class ReportTests: XCTestCase {
    func renderAll(_ r: Report) -> [String] { [r.markdown(), r.json(), r.html(), r.summaryTable()] }

    func testRenderingTwiceIsByteIdentical() {
        let a = renderAll(buildReport(SampleInput.input()))
        let b = renderAll(buildReport(SampleInput.input()))
        XCTAssertEqual(a, b)
        XCTAssertGreaterThan(a[2].count, 10_000)
    }

    func testOutputDoesNotDependOnCaseOrDatasetOrder() {
        let input = SampleInput.input()
        var shuffled = input
        var rng = SplitMix64(seed: 99)
        for runKey in [\ReportInput.run, \ReportInput.comparison!] {
            var run = shuffled[keyPath: runKey]
            run.datasets = run.datasets.map { DatasetInput(name: $0.name, cases: $0.cases.shuffled(using: &rng)) }
                .shuffled(using: &rng)
            shuffled[keyPath: runKey] = run
        }
        XCTAssertNotEqual(shuffled, input)
        XCTAssertEqual(renderAll(buildReport(shuffled)), renderAll(buildReport(input)))
    }

    func testWithoutRunTimesIgnoresTimingButKeepsResults() {
        let input = SampleInput.input()
        var retimed = input
        // Same results, different wall-clock story (as with 3 workers instead of 1).
        retimed.run.provenance.finishedAt = "2026-11-28T05:01:30Z"
        retimed.run.datasets = retimed.run.datasets.map { d in
            DatasetInput(name: d.name, cases: d.cases.map { c in
                var c = c
                c.stageMillis = c.stageMillis.mapValues { $0 * 1.5 }
                c.startedAt = nil
                c.finishedAt = c.finishedAt.map { _ in "2026-11-28T05:01:00Z" }
                return c
            })
        }
        XCTAssertNotEqual(buildReport(retimed).json(), buildReport(input).json())
        XCTAssertEqual(buildReport(retimed).withoutRunTimes().json(), buildReport(input).withoutRunTimes().json())
        // Results do change it.
        var changed = input
        changed.run.datasets[0].cases[0].probability = 0.5
        XCTAssertNotEqual(buildReport(changed).withoutRunTimes().json(), buildReport(input).withoutRunTimes().json())
        XCTAssertTrue(buildReport(input).withoutRunTimes().runs.allSatisfy { $0.datasets.allSatisfy { $0.timings.isEmpty } })
    }

    /// The work record (jobs computed / reused from the stage cache) is shown in the provenance
    /// and removed with the run times: reused and recomputed runs compare equal.
    func testWithoutRunTimesDropsTheWorkRecord() {
        var computed = SampleInput.input(), reused = computed
        computed.run.provenance.computedJobs = 12; computed.run.provenance.reusedJobs = 0
        reused.run.provenance.computedJobs = 0; reused.run.provenance.reusedJobs = 12
        XCTAssertNotEqual(buildReport(reused).json(), buildReport(computed).json())
        XCTAssertTrue(buildReport(reused).markdown().contains("0 jobs computed, 12 reused from the stage cache"))
        XCTAssertTrue(buildReport(reused).html().contains("0 jobs computed, 12 reused from the stage cache"))
        XCTAssertEqual(buildReport(reused).withoutRunTimes().json(), buildReport(computed).withoutRunTimes().json())
        XCTAssertEqual(buildReport(reused).withoutRunTimes().json(), buildReport(SampleInput.input()).withoutRunTimes().json())
    }

    func testFailedCasesAreCountedAndListedWithTheirError() {
        let report = buildReport(SampleInput.input())
        guard let siteA = report.runs.first?.datasets.first(where: { $0.dataset == "site-a" }) else {
            return XCTFail("site-a missing")
        }
        XCTAssertEqual(siteA.cases, 60)
        XCTAssertEqual(siteA.failed, 2)
        XCTAssertEqual(siteA.pending, 1)
        XCTAssertEqual(siteA.succeeded, 57)
        XCTAssertEqual(siteA.scored, 57)
        XCTAssertEqual(siteA.unscored.map(\.caseId), ["site-a-0007", "site-a-0019", "site-a-0059"])
        XCTAssertEqual(siteA.unscored[1].reason, "failed: stage load: corrupt volume: npy header truncated")
        let md = report.markdown(), html = report.html()
        XCTAssertTrue(md.contains("| site-a-0019 | failed | 0 | failed: stage load: corrupt volume: npy header truncated |"))
        XCTAssertTrue(html.contains("<tr class=\"failed\"><td>eval-seg (seg)</td><td class=\"mono\">site-a-0007</td>"))
        XCTAssertTrue(report.summaryTable().contains("\nsite-a            eval-seg (seg)  60         24      57  0.920 [0.853, 0.987]       2        1\n"))
    }

    func testOneClassDatasetSaysAUCUndefined() {
        let report = buildReport(SampleInput.input())
        guard let mono = report.runs.first?.datasets.first(where: { $0.dataset == "site-c-negatives" }) else {
            return XCTFail("dataset missing")
        }
        XCTAssertNil(mono.auc)
        XCTAssertEqual(mono.aucUndefinedReason, "AUC undefined: only one class among the 6 scored cases (0 positive, 6 negative)")
        XCTAssertTrue(mono.roc.isEmpty)
        XCTAssertTrue(report.summaryTable().contains("\nsite-c-negatives / eval-seg (seg): AUC undefined: only one class among the 6 scored cases (0 positive, 6 negative)\n"))
        XCTAssertTrue(report.html().contains("only one class among the 6 scored cases"))
        XCTAssertEqual(report.comparisons.first { $0.dataset == "site-c-negatives" }?.undefinedReason,
                       "test undefined: needs ≥ 2 paired cases per class (0 positive, 6 negative)")
    }

    func testTooFewSucceededCasesIsUndefined() {
        let cases = [CaseInput(caseId: "a", label: 1, state: .succeeded, probability: 0.9),
                     CaseInput(caseId: "b", label: 0, state: .failed, error: "boom")]
        let r = buildReport(ReportInput(run: RunInput(name: "r", provenance: Self.prov, datasets: [DatasetInput(name: "d", cases: cases)])))
        XCTAssertEqual(r.runs[0].datasets[0].aucUndefinedReason,
                       "AUC undefined: only one class among the 1 scored cases (1 positive, 0 negative)")
    }

    static let prov = Provenance(configJSON: "{}", configSHA256: "00", codeVersion: "test")

    /// The hand case of DeLongTests (AUC1 = 5/6, AUC2 = 2/3, z = 2/√5) embedded in two runs, with
    /// extra cases that must not enter the paired test: one failed in run 2, one only in run 1,
    /// one whose label differs.
    func testComparisonPairsOnlyCasesScoredInBothRuns() throws {
        func c(_ id: String, _ l: Int, _ p: Double, _ state: JobState = .succeeded) -> CaseInput {
            CaseInput(caseId: id, label: l, state: state, probability: state == .succeeded ? p : nil,
                      error: state == .failed ? "x" : nil)
        }
        let r1 = [c("p1", 1, 0.8), c("p2", 1, 0.5), c("p3", 1, 0.5), c("n1", 0, 0.5), c("n2", 0, 0.3),
                  c("x-failed-in-2", 1, 0.1), c("x-only-in-1", 0, 0.9), c("x-label", 1, 0.2)]
        let r2 = [c("n2", 0, 0.1), c("p1", 1, 0.9), c("p2", 1, 0.2), c("p3", 1, 0.35), c("n1", 0, 0.4),
                  c("x-failed-in-2", 1, 0, .failed), c("x-label", 0, 0.2)]
        let input = ReportInput(run: RunInput(name: "one", provenance: Self.prov, datasets: [DatasetInput(name: "d", cases: r1)]),
                                comparison: RunInput(name: "two", provenance: Self.prov, datasets: [DatasetInput(name: "d", cases: r2)]))
        let cmp = try XCTUnwrap(buildReport(input).comparisons.first)
        XCTAssertEqual(cmp.paired, 5)
        XCTAssertEqual(cmp.scoredInOneRunOnly, 2)
        XCTAssertEqual(cmp.labelMismatches, 1)
        let t = try XCTUnwrap(cmp.test)
        assertClose(t.auc1, 5.0 / 6.0, abs: 1e-15)
        assertClose(t.auc2, 2.0 / 3.0, abs: 1e-15)
        assertClose(t.z ?? 0, 2 / 5.0.squareRoot(), abs: 1e-13)
        assertClose(t.p ?? 0, 0.37109336952269756, abs: 1e-13)
    }

    func testReportNumbersMatchTheLibraryOnScoredCases() throws {
        let report = buildReport(SampleInput.input())
        let input = SampleInput.input()
        let cases = try XCTUnwrap(input.run.datasets.first { $0.name == "site-b" }?.cases)
        let scored = cases.filter { $0.state == .succeeded }.sorted { $0.caseId < $1.caseId }
        let s = scored.compactMap(\.probability), l = scored.map { $0.label == 1 }
        let expected = try DeLong.estimate(scores: s, labels: l)
        let got = try XCTUnwrap(report.runs[0].datasets.first { $0.dataset == "site-b" })
        XCTAssertEqual(got.auc, expected)
        XCTAssertEqual(got.youden, try ROC.youden(scores: s, labels: l))
        XCTAssertEqual(got.atHalf?.confusion, try ROC.confusion(scores: s, labels: l, threshold: 0.5))
        assertClose(got.auc?.auc ?? 0, BruteForce.auc(s, l), abs: 1e-12)
    }

    func testFinishedCasesAndRenderedFiles() {
        let input = SampleInput.input()
        // Per run: site-a 57 + 2 failed, site-b 37 + 2 failed, 6 one-class → 104 (running ones excluded).
        XCTAssertEqual(input.run.finishedCases, 104)
        let empty = RunInput(name: "e", provenance: Self.prov, datasets: [DatasetInput(name: "d", cases: [
            CaseInput(caseId: "q", label: 1, state: .queued)])])
        XCTAssertEqual(empty.finishedCases, 0)
        let report = buildReport(input)
        let files = report.renderedFiles()
        XCTAssertEqual(files.map(\.name), ["report.md", "report.json", "report.html"])
        XCTAssertEqual(files.map(\.contents), [report.markdown(), report.json(), report.html()])
    }

    func testJSONRoundTripsToTheSameReport() throws {
        let report = buildReport(SampleInput.input())
        let decoded = try JSONDecoder().decode(Report.self, from: Data(report.json().utf8))
        XCTAssertEqual(decoded, report)
    }

    func testInputDecodesWithoutOptionalFields() throws {
        let json = """
        {"run": {"name": "r", "provenance": {"configJSON": "{}", "configSHA256": "ab", "codeVersion": "v"},
         "datasets": [{"name": "d", "cases": [{"caseId": "c1", "state": "succeeded", "label": 1, "probability": 0.7}]}]}}
        """
        let input = try JSONDecoder().decode(ReportInput.self, from: Data(json.utf8))
        XCTAssertEqual(input.run.datasets[0].cases[0].stageMillis, [:])
        XCTAssertNil(input.comparison)
    }

    func testHTMLIsSelfContained() {
        let html = buildReport(SampleInput.input()).html()
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<link"))
        // The only absolute URL is the SVG namespace.
        XCTAssertEqual(html.components(separatedBy: "http").count - 1, html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 3)
        XCTAssertEqual(html.components(separatedBy: "<polyline").count - 1, 4)   // 2 datasets × 2 runs
        XCTAssertTrue(html.contains("src=\"artifacts/runs/eval-seg/site-a/"))
        if let dir = ProcessInfo.processInfo.environment["KNEEFLOW_SAMPLE_REPORT_DIR"] {
            let r = buildReport(SampleInput.input())
            for (name, text) in [("report.html", r.html()), ("report.md", r.markdown()), ("report.json", r.json()), ("summary.txt", r.summaryTable())] {
                XCTAssertNoThrow(try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8))
            }
        }
    }

    func testStageTimingsUseNearestRank() {
        // Nearest rank on (15, 20, 35, 40, 50): p50 → rank ⌈2.5⌉ = 3 → 35; p95 → rank 5 → 50.
        let v: [Double] = [15, 20, 35, 40, 50]
        XCTAssertEqual(ReportBuilder.nearestRank(v, percent: 50), 35)
        XCTAssertEqual(ReportBuilder.nearestRank(v, percent: 95), 50)
        XCTAssertEqual(ReportBuilder.nearestRank(v, percent: 30), 20)
        let cases = [10.0, 30, 20, 40].enumerated().map { i, ms in
            CaseInput(caseId: "c\(i)", label: 0, state: .succeeded, probability: 0.1, stageMillis: ["a": ms, "b": 1])
        }
        let t = ReportBuilder.timings(cases, stageOrder: ["b"])
        XCTAssertEqual(t.map(\.stage), ["b", "a", "total"])
        XCTAssertEqual(t[1].p50, 20)   // rank ⌈2⌉ = 2 of (10, 20, 30, 40)
        XCTAssertEqual(t[1].p95, 40)
        XCTAssertEqual(t[2].max, 41)
    }

    func testJobsPerMinuteFromCaseTimes() {
        // 4 finished jobs between 05:00:00 and 05:02:00 → 2 jobs/min; the running job is ignored.
        var cases = (0..<4).map { i in
            CaseInput(caseId: "c\(i)", label: 0, state: .succeeded, probability: 0.1,
                      startedAt: "2026-11-28T05:00:\(i)0Z", finishedAt: i == 3 ? "2026-11-28 05:02:00+00" : "2026-11-28T05:01:00Z")
        }
        cases.append(CaseInput(caseId: "r", label: 0, state: .running))
        XCTAssertEqual(ReportBuilder.jobsPerMinute(cases), 2)
    }
}

final class FormattingTests: XCTestCase {
    func testFixedDecimals() {
        XCTAssertEqual(Fixed.format(0.8236788617886179, 3), "0.824")
        XCTAssertEqual(Fixed.format(0.125, 2), "0.13")       // exactly representable: half away from zero
        XCTAssertEqual(Fixed.format(-0.0004, 3), "0.000")
        XCTAssertEqual(Fixed.format(-2.5, 0), "-3")
        XCTAssertEqual(Fixed.format(1234.5678, 2), "1234.57")
        XCTAssertEqual(Fixed.format(7, 1), "7.0")
        XCTAssertEqual(Fixed.format(0.05, 3), "0.050")
        XCTAssertEqual(Fixed.format(.nan, 3), "NaN")
        XCTAssertEqual(Fixed.pValue(0.00001), "< 0.0001")
        XCTAssertEqual(Fixed.pValue(0.0271757822291882), "0.0272")
    }

    func testTimestamps() {
        XCTAssertEqual(Timestamp.seconds("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(Timestamp.seconds("2000-03-01T00:00:00Z"), 951_868_800)   // calendar.timegm
        XCTAssertEqual(Timestamp.seconds("2026-11-28 05:34:31.5+01"), 1_795_840_471.5)
        XCTAssertEqual(Timestamp.seconds("2026-11-28T05:34:31.5+01:00"), 1_795_840_471.5)
        XCTAssertNil(Timestamp.seconds("yesterday"))
        XCTAssertNil(Timestamp.seconds("2026-13-01T00:00:00Z"))
    }

    func testEscaping() {
        XCTAssertEqual(HTML.escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
        XCTAssertEqual(MD.cell("a|b\nc"), "a\\|b c")
    }
}
