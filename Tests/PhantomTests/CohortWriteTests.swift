import XCTest
import Foundation
@testable import Phantom

final class CohortWriteTests: XCTestCase {
    private var dirs: [String] = []

    private func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "phantom-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        dirs.append(d)
        return d
    }

    override func tearDown() {
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    private let spec = CohortSpec(datasets: [.init(name: "train", count: 6), .init(name: "site-a", count: 3),
                                             .init(name: "site-b", count: 2)],
                                  seed: 7, size: 32, slices: 20...22, tearFraction: 0.34)

    /// Exactly MRNet's layout: `<dataset>/sagittal/<case>.npy`, the mask beside it in
    /// `<dataset>/acl_mask/`, and `<dataset>-acl.csv` with "case,label" lines and no header.
    func testLayoutIsMRNetsExactly() throws {
        let dir = try tempDir()
        let summary = try Cohort.write(spec, to: dir, threads: 2)
        let fm = FileManager.default
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir).sorted(),
                       ["site-a", "site-a-acl.csv", "site-b", "site-b-acl.csv", "train", "train-acl.csv"])
        for d in spec.datasets {
            XCTAssertEqual(try fm.contentsOfDirectory(atPath: "\(dir)/\(d.name)").sorted(), ["acl_mask", "body_mask", "sagittal"])
            let ids = (0..<d.count).map { String(format: "%04d", $0) }
            XCTAssertEqual(try fm.contentsOfDirectory(atPath: "\(dir)/\(d.name)/sagittal").sorted(), ids.map { "\($0).npy" })
            XCTAssertEqual(try fm.contentsOfDirectory(atPath: "\(dir)/\(d.name)/acl_mask").sorted(), ids.map { "\($0).npy" })
            XCTAssertEqual(try fm.contentsOfDirectory(atPath: "\(dir)/\(d.name)/body_mask").sorted(), ids.map { "\($0).npy" })
            let csv = try String(contentsOfFile: "\(dir)/\(d.name)-acl.csv", encoding: .utf8)
            XCTAssert(csv.hasSuffix("\n"))
            let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            XCTAssertEqual(lines.count, d.count)
            let labels = spec.labels(for: d)
            for (i, line) in lines.enumerated() {
                XCTAssertEqual(String(line), "\(ids[i]),\(labels[i] ? 1 : 0)")
            }
            let s = try XCTUnwrap(summary.datasets.first { $0.name == d.name })
            XCTAssertEqual(s.cases, d.count)
            XCTAssertEqual(s.tears, labels.filter { $0 }.count)
            XCTAssertEqual(s.labelsPath, "\(dir)/\(d.name)-acl.csv")
        }
        XCTAssertEqual(summary.datasets.map(\.tears), [2, 1, 1])     // round(0.34·n): 2.04, 1.02, 0.68
    }

    /// Every file is a NumPy 1.0 uint8 array of shape (s, 32, 32) with s in the slice range, and
    /// volume and mask of a case have the same shape; the bytes equal a direct `generate`.
    func testFilesAreNpyUint8AndMatchGenerate() throws {
        let dir = try tempDir()
        _ = try Cohort.write(spec, to: dir, threads: 2)
        for d in spec.datasets {
            for i in 0..<d.count {
                let id = CohortSpec.caseID(i, count: d.count)
                let (vShape, vData) = try readNpyUInt8(path: "\(dir)/\(d.name)/sagittal/\(id).npy")
                let (mShape, mData) = try readNpyUInt8(path: "\(dir)/\(d.name)/acl_mask/\(id).npy")
                XCTAssertEqual(vShape, mShape)
                XCTAssertEqual(vShape.count, 3)
                XCTAssert((20...22).contains(vShape[0]))
                XCTAssertEqual(Array(vShape[1...]), [32, 32])
                let c = try Cohort.generate(spec, dataset: d, index: i)
                XCTAssertEqual(vData, c.volume)
                XCTAssertEqual(mData, c.aclMask)
                let (bShape, bData) = try readNpyUInt8(path: "\(dir)/\(d.name)/body_mask/\(id).npy")
                XCTAssertEqual(bShape, [32, 32])
                XCTAssertEqual(bData, c.bodyMask)
            }
        }
    }

    /// Bytes are independent of the number of threads and of running twice.
    func testDeterministicAcrossThreadCounts() throws {
        let a = try tempDir(), b = try tempDir(), c = try tempDir()
        _ = try Cohort.write(spec, to: a, threads: 1)
        _ = try Cohort.write(spec, to: b, threads: 3)
        _ = try Cohort.write(spec, to: c, threads: 2)
        let files = try FileManager.default.subpathsOfDirectory(atPath: a).filter { $0.hasSuffix(".npy") || $0.hasSuffix(".csv") }.sorted()
        XCTAssertEqual(files.count, 3 * 11 + 3)
        XCTAssertEqual(files, try FileManager.default.subpathsOfDirectory(atPath: b).filter { $0.hasSuffix(".npy") || $0.hasSuffix(".csv") }.sorted())
        for f in files {
            let x = try Data(contentsOf: URL(fileURLWithPath: "\(a)/\(f)"))
            XCTAssertEqual(x, try Data(contentsOf: URL(fileURLWithPath: "\(b)/\(f)")), f)
            XCTAssertEqual(x, try Data(contentsOf: URL(fileURLWithPath: "\(c)/\(f)")), f)
        }
        // No temporary files left behind.
        XCTAssertFalse(files.contains { $0.contains(".tmp-") })
        XCTAssertFalse(try FileManager.default.subpathsOfDirectory(atPath: a).contains { $0.contains(".tmp-") })
    }

    func testInvalidSpecThrowsBeforeWriting() throws {
        let dir = try tempDir()
        var bad = spec; bad.size = 4
        XCTAssertThrowsError(try Cohort.write(bad, to: dir)) { XCTAssertEqual(($0 as? PhantomError)?.code, .argument) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testUnwritableDirectoryIsAnIOError() throws {
        let dir = try tempDir()
        let blocker = "\(dir)/file"
        XCTAssert(FileManager.default.createFile(atPath: blocker, contents: Data([1])))
        XCTAssertThrowsError(try Cohort.write(spec, to: blocker)) { XCTAssertEqual(($0 as? PhantomError)?.code, .io) }
    }

    /// A minimal independent .npy reader (format 1.0, '|u1', C order) for these tests.
    private func readNpyUInt8(path: String) throws -> ([Int], [UInt8]) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[0..<8]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "data aligned to 64 bytes")
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssert(header.contains("'descr': '|u1'"), header)
        XCTAssert(header.contains("'fortran_order': False"), header)
        XCTAssert(header.hasSuffix("\n"))
        let open = try XCTUnwrap(header.range(of: "'shape': ("))
        let close = try XCTUnwrap(header[open.upperBound...].firstIndex(of: ")"))
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let data = Array(bytes[(10 + headerLength)...])
        XCTAssertEqual(data.count, shape.reduce(1, *))
        return (shape, data)
    }
}
