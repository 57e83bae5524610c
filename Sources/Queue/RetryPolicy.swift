import Foundation

/// What to do after a failed attempt; a pure function of (outcome, attempt, max attempts, now,
/// jitter), tested without a database.
public struct RetryPolicy: Sendable, Equatable {
    /// Delay before the 2nd attempt, seconds.
    public var baseDelay: Double
    /// Upper bound for any delay, seconds.
    public var maxDelay: Double
    /// Relative jitter: the delay is scaled by a factor in [1 − jitter, 1 + jitter).
    public var jitter: Double

    public init(baseDelay: Double = 2, maxDelay: Double = 600, jitter: Double = 0.25) {
        self.baseDelay = baseDelay; self.maxDelay = maxDelay; self.jitter = jitter
    }

    public enum Outcome: Sendable, Equatable { case permanent, transient }

    public enum Decision: Sendable, Equatable {
        /// Queue again, due at this time.
        case retry(at: Date)
        /// Give up: the job ends `failed`.
        case fail
    }

    /// - Parameters:
    ///   - attempt: the attempt that just failed (1-based).
    ///   - unit: a number in [0, 1) choosing the jitter (random in production, fixed in tests).
    /// - Returns: `.fail` for permanent errors or exhausted attempts; else `.retry` after
    ///   `baseDelay · 2^(attempt−1)` (capped at `maxDelay`) scaled by the jitter factor.
    public func decide(_ outcome: Outcome, attempt: Int, maxAttempts: Int, now: Date, unit: Double) -> Decision {
        if outcome == .permanent || attempt >= maxAttempts { return .fail }
        return .retry(at: now.addingTimeInterval(delay(attempt: attempt, unit: unit)))
    }

    /// The backoff delay in seconds after `attempt` failed.
    public func delay(attempt: Int, unit: Double) -> Double {
        let exp = min(max(attempt - 1, 0), 40)
        let raw = min(baseDelay * pow(2, Double(exp)), maxDelay)
        let factor = 1 + jitter * (2 * min(max(unit, 0), 1) - 1)
        return min(raw * factor, maxDelay)
    }
}
