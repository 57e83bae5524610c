import XCTest
import CImagingKernels
import Dispatch

/// The NMF's thread pool: every task runs exactly once, whatever the thread count, also when
/// several callers use it at the same time (one gets the pool, the others run in order).
final class ParallelForTests: XCTestCase {
    /// Each task adds (task + 1) to its own slot; a slot ≠ task + 1 means a task ran twice or never.
    static let task: kf_task_fn = { ctx, t in
        let slots = ctx!.assumingMemoryBound(to: Int.self)
        var x = 0
        for i in 0..<(1000 * (Int(t) % 7 + 1)) { x &+= i }   // uneven work
        slots[Int(t)] += Int(t) + 1 + (x == -1 ? 1 : 0)
    }

    func run(tasks: Int, threads: Int) -> [Int] {
        var slots = [Int](repeating: 0, count: tasks)
        slots.withUnsafeMutableBufferPointer { kf_parallel_for(Self.task, $0.baseAddress, Int32(tasks), Int32(threads)) }
        return slots
    }

    func testEveryTaskRunsOnceForAnyThreadCount() {
        for threads in [1, 2, 3, 8] {
            for tasks in [0, 1, 2, 5, 64, 1000] {
                for _ in 0..<20 {
                    XCTAssertEqual(run(tasks: tasks, threads: threads), (0..<tasks).map { $0 + 1 }, "\(tasks) tasks, \(threads) threads")
                }
            }
        }
    }

    func testConcurrentCallers() {
        let results = UnsafeMutablePointer<Bool>.allocate(capacity: 4)
        defer { results.deallocate() }
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            var ok = true
            for round in 0..<50 {
                let tasks = 10 + (caller * 7 + round) % 50
                var slots = [Int](repeating: 0, count: tasks)
                slots.withUnsafeMutableBufferPointer { kf_parallel_for(Self.task, $0.baseAddress, Int32(tasks), 2) }
                ok = ok && slots == (0..<tasks).map { $0 + 1 }
            }
            out[caller] = ok
        }
        for c in 0..<4 { XCTAssertTrue(results[c], "caller \(c)") }
    }
}
