/// Extrapolation with restarts of the fused HALS iteration (Ang & Gillis 2019, "Accelerating
/// nonnegative matrix factorization algorithms using extrapolation", their HER scheme).
///
/// Why: after the coarse start the full-resolution error falls slowly and almost linearly, so
/// plain HALS pays several passes over V for the last fraction of a percent. Each update starts
/// from the extrapolated factors Ĥ = max(0, H_new + β(H_new − H_old)), Ŵ likewise; when the
/// error of (W, Ĥ) rises the extrapolation restarts from the plain iterate and β shrinks, while
/// it grows slowly after every successful step. Everything depends only on the errors computed
/// from the products of the pass (summed in a fixed order), so it is deterministic and
/// independent of the thread count.
struct Extrapolation {
    /// Current step β, and its cap β̄.
    var beta: Double
    var cap: Double
    /// β of the previous successful step (the cap after a restart).
    var previousBeta: Double
    /// Objective of the previous pass (an error above it triggers a restart), and the lowest one.
    var last = Double.infinity
    var best = Double.infinity

    /// Initial β. Each stage (binned level, full resolution) starts from a seed that is
    /// already close, so a moderate step; 0.5 was tried and put phantom_00 4 % above
    /// scikit-learn's error (docs/imaging.md).
    static let initialBeta = 0.25
    /// β ← β/η on a restart; β ← min(β̄, γβ) and β̄ ← min(1, γ̄β̄) after a successful step
    /// (γ = 1.1 was tried: 0.4 % above scikit-learn on phantom_00).
    static let eta = 1.5, gamma = 1.05, gammaCap = 1.01

    init() {
        beta = Self.initialBeta
        cap = 1
        previousBeta = Self.initialBeta
    }

    /// Records the objective of the latest (W, Ĥ); returns true when it rose, i.e. the caller
    /// must restart from the plain iterate. Adapts β either way.
    mutating func record(objective: Double) -> Bool {
        defer { last = objective; best = min(best, objective) }
        if objective > last {
            cap = previousBeta
            beta /= Self.eta
            return true
        }
        previousBeta = beta
        beta = min(cap, Self.gamma * beta)
        cap = min(1, Self.gammaCap * cap)
        return false
    }

    /// Ŵ = max(0, W + β(W − W_old)) for `w` (the new iterate) and `old`.
    static func extrapolate(_ w: [Float], from old: [Float], beta: Double) -> [Float] {
        let b = Float(beta)
        var out = w
        for i in 0..<w.count { out[i] = max(0, w[i] + b * (w[i] - old[i])) }
        return out
    }
}
