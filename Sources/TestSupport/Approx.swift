import XCTest

/// Asserts |a − b| ≤ abs + rel·max(|a|, |b|), naming both values on failure. Never compare floats
/// with `==` in tests; use this with a tolerance you can justify.
public func assertClose<T: BinaryFloatingPoint>(_ a: T, _ b: T, abs: T = 0, rel: T = 0,
                                                _ message: @autoclosure () -> String = "",
                                                file: StaticString = #filePath, line: UInt = #line) {
    let tol = abs + rel * Swift.max(Swift.abs(a), Swift.abs(b))
    if !(Swift.abs(a - b) <= tol) {
        XCTFail("\(a) vs \(b): |diff| \(Swift.abs(a - b)) > tol \(tol). \(message())", file: file, line: line)
    }
}

/// Element-wise `assertClose` over two equally long arrays; reports the first offending index.
public func assertAllClose<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], abs: T = 0, rel: T = 0,
                                                   _ message: @autoclosure () -> String = "",
                                                   file: StaticString = #filePath, line: UInt = #line) {
    guard a.count == b.count else {
        XCTFail("lengths differ: \(a.count) vs \(b.count). \(message())", file: file, line: line); return
    }
    for i in a.indices {
        let tol = abs + rel * Swift.max(Swift.abs(a[i]), Swift.abs(b[i]))
        if !(Swift.abs(a[i] - b[i]) <= tol) {
            XCTFail("index \(i): \(a[i]) vs \(b[i]) beyond tol \(tol). \(message())", file: file, line: line)
            return
        }
    }
}
