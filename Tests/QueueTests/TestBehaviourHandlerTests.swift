import TestHandlers
import XCTest

/// The test-only handler is off unless the environment asks for it.
final class TestBehaviourHandlerTests: XCTestCase {
    func testEnabledOnlyByTheEnvironment() {
        XCTAssertFalse(TestBehaviourHandler.isEnabled([:]))
        XCTAssertFalse(TestBehaviourHandler.isEnabled(["KNEEFLOW_TEST_HANDLERS": "0"]))
        XCTAssertTrue(TestBehaviourHandler.isEnabled(["KNEEFLOW_TEST_HANDLERS": "1"]))
    }
}
