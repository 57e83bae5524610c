import XCTest
@testable import Pipeline

final class ArtifactLayoutTests: XCTestCase {
    func testSafeNamesPassThrough() {
        XCTAssertEqual(ArtifactLayout.component("site-a"), "site-a")
        XCTAssertEqual(ArtifactLayout.component("0001.v2_x"), "0001.v2_x")
    }

    func testHostileNamesBecomeOneSafeComponent() {
        let hostile = ["../../etc/passwd", "a/b", ".", "..", ".hidden", "", "x'; DROP TABLE jobs; --",
                       "$1", "knie-ü-🦵", "tab\tnew\nline", String(repeating: "é", count: 5000)]
        var seen = Set<String>()
        for raw in hostile {
            let c = ArtifactLayout.component(raw)
            XCTAssertFalse(c.contains("/"), raw)
            XCTAssertFalse(c.hasPrefix("."), raw)
            XCTAssertLessThanOrEqual(c.utf8.count, 96, raw)
            XCTAssertTrue(c.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }, raw)
            XCTAssertTrue(seen.insert(c).inserted, "collision for \(raw.prefix(20))")
        }
        XCTAssertEqual(ArtifactLayout.component("a/b"), "a%2Fb")
        XCTAssertEqual(ArtifactLayout.component(".."), "%2E.")
    }

    func testLongNamesStayDistinct() {
        let a = String(repeating: "x", count: 200) + "a"
        let b = String(repeating: "x", count: 200) + "b"
        XCTAssertNotEqual(ArtifactLayout.component(a), ArtifactLayout.component(b))
        XCTAssertEqual(ArtifactLayout.component(a), ArtifactLayout.component(a))
    }

    func testRelativeDirectory() {
        let layout = ArtifactLayout(root: "/store/")
        let rel = layout.relativeDirectory(run: "r 1", dataset: "site-a", caseId: "0007")
        XCTAssertEqual(rel, "runs/r%201/site-a/0007")
        XCTAssertEqual(layout.absolute(rel), "/store/runs/r%201/site-a/0007")
    }
}

final class ReportWriterInlineTests: XCTestCase {
    func testInlinesOnlyKnownImagesInOnePass() {
        let html = #"<img src="images/a.png"><img src="images/b.png"><img src="other.png" alt="x">src="#
        let out = ReportWriter.inlineImages(html, ["images/a.png": "data:A", "images/b.png": "data:B"])
        XCTAssertEqual(out, #"<img src="data:A"><img src="data:B"><img src="other.png" alt="x">src="#)
        XCTAssertEqual(ReportWriter.inlineImages(html, [:]), html)
    }
}
