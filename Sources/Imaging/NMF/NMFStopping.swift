/// The NMF stopping test, carried across the coarse and the full-resolution stage.
///
/// `.projectedGradient` (default; scikit-learn's `solver='cd'` test): the L1 norm of the
/// projected gradient met during the first sweep of each factor, per pixel column, relative to
/// its value in the very first iteration (of the coarse stage when there is one; per column, so
/// the binned problem is on the same scale): stop when the ratio ≤ tolerance.
/// `.improvement` (scikit-learn's `solver='mu'` test): every `checkInterval` iterations, stop when
/// the relative error ‖V − WH‖_F/‖V‖_F (with α > 0: √(2·objective)/‖V‖_F) dropped by less than
/// tolerance × its value at the initialisation (of the first stage) since the previous check.
/// The multiplicative solver always uses `.improvement`.
struct StopState {
    var first: Double?
    var previous = Double.infinity
    var firstViolation: Double?
    /// The error one check before `previous` (`.extrapolated`).
    var older = Double.infinity
    /// Sliding window of `.improvement` (errors of this stage, one per iteration) when `sliding`.
    var sliding = false
    var window: [Double] = []

    mutating func shouldStop(iteration: Int, objective: Double, violation: Double, norm2: Double, options: NMFOptions) -> Bool {
        guard norm2 > 0 else { return true }
        if options.stopRule == .projectedGradient && options.solver != .multiplicative {
            guard let v0 = firstViolation else { firstViolation = violation; return violation == 0 }
            return v0 == 0 || violation / v0 <= options.tolerance
        }
        let e = (2 * max(objective, 0) / norm2).squareRoot()
        if options.stopRule == .extrapolated && options.solver != .multiplicative {
            guard iteration % max(1, options.checkInterval) == 0 else { return false }
            defer { older = previous; previous = e }
            guard e > 0 else { return true }
            guard previous.isFinite, older.isFinite else { return false }
            let d1 = older - previous, d2 = previous - e
            if d2 <= 0 { return true }          // a whole window without progress
            guard d2 < d1 else { return false }  // not (yet) a decaying tail
            // Geometric tail d, dρ, dρ², …: what is left to gain is d₂·ρ/(1 − ρ).
            let rho = d2 / d1
            return d2 * rho / (1 - rho) < options.tolerance * e
        }
        guard let e0 = first else { first = e; previous = e; return false }  // (set at the start)
        if sliding {
            // The same test over a window sliding by one iteration: the error checkInterval
            // iterations ago against now, tested after every iteration once the stage has run
            // that many (stops at the first iteration it holds, not at the next multiple).
            window.append(e)
            let ci = max(1, options.checkInterval)
            guard window.count > ci, e0 > 0 else { return false }
            return (window[window.count - 1 - ci] - e) / e0 < options.tolerance
        }
        if !previous.isFinite { previous = e; return false }  // first iteration of a later stage
        guard iteration % max(1, options.checkInterval) == 0 else { return false }
        defer { previous = e }
        guard e0 > 0 else { return false }
        return (previous - e) / e0 < options.tolerance
    }
}
