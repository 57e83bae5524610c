import Foundation

/// A value guarded by a lock, shared between threads: the one lock wrapper of KneeFlow.
///
/// Every access goes through `withLock`, so a read-modify-write is one critical section.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched while `lock` is held.
    private var storage: Value
    private let lock = NSLock()

    /// Wraps `value`.
    public init(_ value: Value) { storage = value }

    /// Runs `body` with exclusive access to the value and returns its result.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&storage)
    }

    /// A copy of the current value.
    public var value: Value { withLock { $0 } }
}
