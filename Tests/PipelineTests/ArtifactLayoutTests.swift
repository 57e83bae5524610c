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

final class ThumbnailTests: XCTestCase {
    /// 4×2 RGB image shrunk by 2: each output pixel is the rounded mean of a 2×2 block.
    func testAreaAverage() {
        var rgb = [UInt8](repeating: 0, count: 4 * 2 * 3)
        let reds: [UInt8] = [0, 10, 100, 200, 20, 30, 101, 201]
        for i in 0..<8 { rgb[3 * i] = reds[i]; rgb[3 * i + 1] = 7; rgb[3 * i + 2] = UInt8(i) }
        let t = Thumbnail.shrink(rgb: rgb, width: 4, height: 2, maxWidth: 2)
        XCTAssertEqual(t.width, 2); XCTAssertEqual(t.height, 1)
        // red (0+10+20+30)/4 = 15, (100+200+101+201)/4 = 150.5 → 151; blue (0+1+4+5)/4 = 2.5 → 3,
        // (2+3+6+7)/4 = 4.5 → 5 (halves round up).
        XCTAssertEqual(t.rgb, [15, 7, 3, 151, 7, 5])
        XCTAssertEqual(Thumbnail.shrink(rgb: rgb, width: 4, height: 2, maxWidth: 4).rgb, rgb)
    }
}
