import Foundation
import Imaging
import Queue
import XCTest
@testable import Pipeline

final class ChainHandlerInputTests: XCTestCase {
    func testReadInputReturnsTheBytesAndRefusesMissingOrOverBudget() throws {
        let path = NSTemporaryDirectory() + "kf-input-\(UUID().uuidString).npy"
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let root = (path as NSString).deletingLastPathComponent
        XCTAssertEqual(try ChainHandler.readInput(path, root: root, budget: 5).map(\.bytes), [[1, 2, 3, 4, 5]])
        XCTAssertThrowsError(try ChainHandler.readInput(path, root: root, budget: 4)) { guard case JobError.inputRefused(let m)? = $0 as? JobError else { return XCTFail("\($0)") }; XCTAssertTrue(m.contains("memory budget"), m) }
        XCTAssertThrowsError(try ChainHandler.readInput(path + ".gone", root: root, budget: 100)) { guard case JobError.inputRefused(let m)? = $0 as? JobError else { return XCTFail("\($0)") }; XCTAssertTrue(m.contains("does not exist"), m) }
    }

    /// The chain reads its input through ConfinedFile: an input swapped after enqueue for a
    /// symlink leaving the job's input root is refused at read time (FIFOs: ConfinedFileTests,
    /// under a hang guard).
    func testReadInputRefusesASwappedInput() throws {
        let dir = NSTemporaryDirectory() + "kf-swap-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/root", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data([9, 9]).write(to: URL(fileURLWithPath: dir + "/outside.npy"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/root/in.npy", withDestinationPath: dir + "/outside.npy")
        XCTAssertThrowsError(try ChainHandler.readInput(dir + "/root/in.npy", root: dir + "/root", budget: 100)) {
            guard case JobError.inputRefused(let m)? = $0 as? JobError else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("outside the input root"), m)
        }
    }
}

