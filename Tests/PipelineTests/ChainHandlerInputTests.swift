import Foundation
import Imaging
import XCTest
@testable import Pipeline

final class ChainHandlerInputTests: XCTestCase {
    func testReadInputReturnsTheBytesAndRefusesMissingOrOverBudget() throws {
        let path = NSTemporaryDirectory() + "kf-input-\(UUID().uuidString).npy"
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try ChainHandler.readInput(path, budget: 5), [1, 2, 3, 4, 5])
        XCTAssertThrowsError(try ChainHandler.readInput(path, budget: 4)) { XCTAssertEqual(($0 as? ImagingError)?.code, .tooLarge) }
        XCTAssertThrowsError(try ChainHandler.readInput(path + ".gone", budget: 100)) { XCTAssertEqual(($0 as? ImagingError)?.code, .io) }
    }
}
