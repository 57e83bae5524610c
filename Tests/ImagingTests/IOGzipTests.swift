import Common
import XCTest
@testable import Imaging

/// The streaming gzip decoder: exact output in odd chunk sizes, concatenated members, and
/// typed errors for truncation, corruption and trailing garbage.
final class IOGzipTests: XCTestCase {
    func payload() -> [UInt8] {
        var rng = SplitMix64(seed: 42)
        // Half incompressible, half repetitive, 300 kB: several input refills and output calls.
        return (0..<150_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) } + (0..<150_000).map { UInt8($0 % 7) }
    }

    func inflateAll(_ gz: [UInt8], chunk: Int) throws -> [UInt8] {
        let source = try GzipSource(MemorySource(gz, name: "t.gz"))
        var out: [UInt8] = []
        while true {
            let part = try source.read(upTo: chunk)
            out += part
            if part.count < chunk { break }
        }
        return out
    }

    func testRoundTripInOddChunkSizes() throws {
        let data = payload()
        let gz = try gzipBytes(data)
        for chunk in [1_000_003, 65_536, 4097, 7] {
            XCTAssertEqual(try inflateAll(gz, chunk: chunk), data, "chunk \(chunk)")
        }
        XCTAssertEqual(try inflateAll(try gzipBytes([]), chunk: 10), [])
    }

    func testConcatenatedMembers() throws {
        let data = payload()
        let gz = try gzipBytes(Array(data[0..<1000])) + gzipBytes(Array(data[1000..<200_000])) + gzipBytes(Array(data[200_000...]))
        XCTAssertEqual(try inflateAll(gz, chunk: 50_000), data)
    }

    func testSkipCountsWhatIsThere() throws {
        let source = try GzipSource(MemorySource(try gzipBytes(payload()), name: "t.gz"))
        XCTAssertEqual(try source.skip(100_000), 100_000)
        XCTAssertEqual(try source.read(upTo: 3), Array(payload()[100_000..<100_003]))
        XCTAssertEqual(try source.skip(1 << 30), 300_000 - 100_003)
        XCTAssertFalse(try source.hasMoreBytes())
    }

    func testErrors() throws {
        let gz = try gzipBytes(payload())
        for cut in [2, 10, 100, gz.count / 2, gz.count - 8, gz.count - 1] {
            assertImagingError(.truncated, file: "t.gz", "cut at \(cut)") { try inflateAll(Array(gz[0..<cut]), chunk: 1 << 20) }
        }
        var bad = gz
        bad[3] = 0xE0  // reserved FLG bits
        assertImagingError(.format, file: "t.gz", "reserved flags") { try inflateAll(bad, chunk: 1 << 20) }
        bad = gz
        bad[gz.count - 2] ^= 0x10  // ISIZE
        assertImagingError(.format, file: "t.gz", "length check") { try inflateAll(bad, chunk: 1 << 20) }
        assertImagingError(.format, file: "t.gz", "trailing garbage") { try inflateAll(gz + [7], chunk: 1 << 20) }
        assertImagingError(.format, file: "t.gz", "not gzip at all") { try inflateAll(Array("plain text here".utf8), chunk: 100) }
    }
}
