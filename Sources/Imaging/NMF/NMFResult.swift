/// The outcome of `NMF.factorize`: V (m×n) ≈ W (m×K) · H (K×n), row-major float32.
///
/// Components are ordered by the W-weighted mean row index (for a volume: the mean slice where
/// the component lives), all-zero components last.
public struct NMFResult: Sendable {
    /// m × K, row-major.
    public var w: [Float]
    /// K × n, row-major; row k is the k-th base image when n = height·width.
    public var h: [Float]
    public var rows: Int
    public var columns: Int
    /// K as requested (W and H are padded with zero components when the rank is capped).
    public var components: Int
    /// min(K, m, n): the rank actually fitted.
    public var rank: Int
    /// Outer iterations run at full resolution.
    public var iterations: Int
    /// Iterations of the coarse-to-fine start (0 when it was not used).
    public var coarseIterations: Int
    /// True when the relative-improvement criterion stopped the iteration (false: max iterations).
    public var converged: Bool
    /// ‖V − WH‖_F / ‖V‖_F in float64: from the products of the last pass (‖V‖² − 2tr(WᵀVHᵀ) +
    /// tr(WᵀW·HHᵀ), relative accuracy ~1e-5 here), or from the residual itself below 1%.
    public var relativeError: Double
    /// Relative error of the initialisation (of the first stage: the binned one with the
    /// coarse-to-fine start) that scales the `.improvement` test; nil with other rules.
    /// NNDSVDa fills zeros with mean(V), so it ranges from below 1 to above 100.
    public var initialError: Double? = nil
    /// Final value of the regularised objective (see `NMFOptions`).
    public var objective: Double
    /// Components whose base image (row of H) or weight (column of W) is all zero, including the
    /// K − rank padded ones.
    public var zeroComponents: Int
}
