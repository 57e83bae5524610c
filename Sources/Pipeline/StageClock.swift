import Foundation

/// Milliseconds per named stage of one job; a stage run twice accumulates.
struct StageClock {
    private(set) var millis: [String: Double] = [:]

    /// Runs `body`, adding its wall time to `name`.
    mutating func stage<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { millis[name, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
        return try body()
    }

    /// Adds stage timings measured elsewhere (the imaging chain's own).
    mutating func record(_ stages: [String: Double]) {
        for (k, v) in stages { millis[k, default: 0] += v }
    }
}
