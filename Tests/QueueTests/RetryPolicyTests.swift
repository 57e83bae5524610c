import Foundation
import Queue
import XCTest

/// The retry decision is pure: checked by hand without a database.
final class RetryPolicyTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_000_000)

    func testPermanentFailsAtOnce() {
        let p = RetryPolicy(baseDelay: 2, maxDelay: 600, jitter: 0.25)
        XCTAssertEqual(p.decide(.permanent, attempt: 1, maxAttempts: 5, now: now, unit: 0.5), .fail)
    }

    func testTransientBacksOffExponentiallyUntilExhausted() {
        let p = RetryPolicy(baseDelay: 2, maxDelay: 600, jitter: 0.25)
        // unit 0.5 means no jitter: 2, 4, 8 seconds.
        XCTAssertEqual(p.decide(.transient, attempt: 1, maxAttempts: 4, now: now, unit: 0.5), .retry(at: now + 2))
        XCTAssertEqual(p.decide(.transient, attempt: 2, maxAttempts: 4, now: now, unit: 0.5), .retry(at: now + 4))
        XCTAssertEqual(p.decide(.transient, attempt: 3, maxAttempts: 4, now: now, unit: 0.5), .retry(at: now + 8))
        XCTAssertEqual(p.decide(.transient, attempt: 4, maxAttempts: 4, now: now, unit: 0.5), .fail)
    }

    func testJitterBoundsAndCap() {
        let p = RetryPolicy(baseDelay: 2, maxDelay: 600, jitter: 0.25)
        XCTAssertEqual(p.delay(attempt: 3, unit: 0), 6, accuracy: 1e-12)      // 8 × 0.75
        XCTAssertEqual(p.delay(attempt: 3, unit: 0.999999), 10, accuracy: 1e-4) // 8 × ~1.25
        XCTAssertEqual(p.delay(attempt: 30, unit: 0.5), 600)                   // capped
        XCTAssertEqual(p.delay(attempt: 30, unit: 0.999), 600)                 // cap holds with jitter
    }
}
