import XCTest
import Common
import Imaging
@testable import Classifier

final class TrainingSetTests: XCTestCase {
    func testLabelsCSV() throws {
        let l = try TrainingSet.parseLabels("0000,0\n0001,1\r\n\n0002, 1\n")
        XCTAssertEqual(l.map(\.id), ["0000", "0001", "0002"]); XCTAssertEqual(l.map(\.label), [0, 1, 1])
        XCTAssertEqual(try TrainingSet.parseLabels("case,label\n7,1.0\n").map(\.label), [1])
        for bad in ["a,2\n", "a\n", "a,1\na,0\n", "a,1\nb,x\n"] {
            XCTAssertThrowsError(try TrainingSet.parseLabels(bad), bad) { XCTAssertEqual(($0 as? ClassifierError)?.code, .argument) }
        }
    }

    func testLoadsPreprocessOutputsAndNpyErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-ts-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = try Volume(slices: 2, height: 3, width: 4, data: (0..<24).map { Float($0) / 4 })
        try NpyWriter.write(v, to: dir.appendingPathComponent("a/segmented.npy").path)
        try NpyWriter.write(uint8: (0..<12).map { UInt8($0) }, shape: [3, 4], to: dir.appendingPathComponent("b/segmented.npy").path)
        let csv = dir.appendingPathComponent("labels.csv").path
        try "a,1\nb,0\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let s = try TrainingSet.load(directory: dir.path, labelsCSV: csv)
        XCTAssertEqual(s.map(\.id), ["a", "b"])
        XCTAssertEqual(s[0].input, v)
        XCTAssertEqual(s[1].input.slices, 1); XCTAssertEqual(s[1].input.data, (0..<12).map { Float($0) })
        XCTAssertEqual(s[0].sha256, try SHA256.file(at: dir.appendingPathComponent("a/segmented.npy").path).hex)

        try "a,1\nzz,0\n".write(toFile: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingSet.load(directory: dir.path, labelsCSV: csv)) { XCTAssertEqual(($0 as? ClassifierError)?.code, .io) }

        // A malformed input file is reported with the reader's error, naming the file.
        try "a,1\nb,0\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let bad = NpyWriter.encode(float32: v.data, shape: [2, 3, 4]).dropLast(1)
        try Data(bad).write(to: dir.appendingPathComponent("a/segmented.npy"))
        XCTAssertThrowsError(try TrainingSet.load(directory: dir.path, labelsCSV: csv)) { e in
            XCTAssertEqual((e as? ImagingError)?.code, .truncated)
            XCTAssertTrue("\(e)".contains("segmented.npy"), "\(e)")
        }
    }
}
