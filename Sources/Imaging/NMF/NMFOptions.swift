/// Settings of the non-negative matrix factorisation V ≈ W·H (see `NMF.factorize`).
///
/// Objective (ρ = `l1Ratio`, α = `alpha`):
/// ½‖V − WH‖²_F + α_W·ρ·‖W‖₁ + α_H·ρ·‖H‖₁ + ½·α_W·(1−ρ)·‖W‖²_F + ½·α_H·(1−ρ)·‖H‖²_F, where with
/// `alphaScaling == .sklearn` (scikit-learn ≥ 1.2, `alpha_W = alpha_H = alpha`) α_W = α·n_pixels and
/// α_H = α·n_slices, and with `.none` (scikit-learn < 1.0 `alpha=…, regularization='both'`, and the
/// formula of the method) α_W = α_H = α.
public struct NMFOptions: Codable, Sendable, Equatable {
    /// Initialisation: NNDSVD (zeros stay zero) or NNDSVDa (zeros filled with mean(V)).
    public enum Initialization: String, Codable, Sendable { case nndsvd, nndsvda }
    /// Update rule. All HALS variants are hierarchical alternating least squares (exact
    /// coordinate descent over rows of H / columns of W, as scikit-learn's `solver='cd'`) with
    /// up to `innerSweeps` sweeps reusing the products WᵀV and VHᵀ (accelerated HALS, Gillis &
    /// Glineur 2012). `.hals`: one fused pass over V per iteration (H update and the products
    /// for the W update computed block by block in SIMD code; the default, fastest in
    /// `kneeflow bench chain`); `.halsGemm`: the same updates with the products from
    /// `cblas_sgemm`; `.multiplicative`: Lee–Seung updates (scikit-learn's `solver='mu'`).
    public enum Solver: String, Codable, Sendable { case hals, halsGemm, multiplicative }
    /// When to stop (see `StopRule`).
    public enum StopRule: String, Codable, Sendable { case projectedGradient, improvement, extrapolated }
    /// How α is scaled with the matrix size (see the type documentation).
    public enum AlphaScaling: String, Codable, Sendable { case sklearn, none }

    /// Number of components K (base images). Default 10.
    public var components: Int = 10
    public var initialization: Initialization = .nndsvda
    public var solver: Solver = .hals
    /// Maximum sweeps over H (and over W) per outer iteration with `.hals`; 1 = plain HALS.
    /// Sweeps stop early once a sweep changes the factor by less than `innerTolerance` times the
    /// change of the first sweep. Default 4: with `extrapolate` the outer iteration does the
    /// accelerating, and the sweeps past the fourth cost more time than they save
    /// (docs/imaging.md, 2026-12-06; 8 before extrapolation).
    public var innerSweeps: Int = 4
    /// Relative early-stop threshold of the inner sweeps (see `innerSweeps`).
    public var innerTolerance: Double = 0.1
    /// Extrapolation with restarts of the fused HALS iterations (`.hals` only; see
    /// `Extrapolation`): each update starts from the factors pushed along their last step, and
    /// falls back to the plain iterate when that raised the error. Default on; with it the
    /// objective is no longer monotone from one iteration to the next (the stopping test sees
    /// the best error so far and only windows without a restart).
    public var extrapolate: Bool = true
    /// Maximum outer iterations. Default 200.
    public var maxIterations: Int = 200
    /// Stopping test. `.projectedGradient` (scikit-learn's `solver='cd'` test): stop when
    /// the L1 norm of the projected gradient (met in the first sweep of each factor, per pixel
    /// column) falls to `tolerance` × its value in the first iteration (with several inner
    /// sweeps this stops far too early: the first sweep's gradient is already small).
    /// `.improvement` (default; scikit-learn's `solver='mu'` test, always used by
    /// `.multiplicative`): every `checkInterval` iterations, stop when the relative error ‖V − WH‖_F/‖V‖_F has dropped by
    /// less than `tolerance` × its value at the initialisation since the previous check.
    public var stopRule: StopRule = .improvement
    /// Threshold of the stopping test. Default 3e-6: `.improvement` is measured against the
    /// NNDSVDa initialisation error of the first stage (which NNDSVDa's mean fill makes anything
    /// from below 1 to above 100), so the test stops once three full-resolution iterations gain
    /// less than 3e-6 of that error. Chosen with `ops/nmf-vs-sklearn.py` on three sets
    /// (5 benchmark phantoms, 12 phantoms of other seeds, 18 nibabel volumes): with
    /// `minimumWork` it is at or below scikit-learn's cd error at its own tol = 1e-4 on every
    /// volume; 1e-5 was +0.5 % above on a benchmark phantom; 1e-6 gains 0.3 % there for ~8 ms
    /// more per volume (docs/imaging.md has the table).
    public var tolerance: Double = 3e-6
    /// Work floor of the full-resolution stage in multiply-adds (one iteration counts
    /// slices·pixels·K): the stopping test is honoured only after ⌈minimumWork/(m·n·K)⌉
    /// iterations (at most `maxIterations`). Default 1e8, about 5 iterations (≈ 15 ms at one
    /// thread) of a 32×256×256 volume at K = 10: a volume whose whole iteration budget costs
    /// less than that is iterated to `maxIterations` or until the test holds after the floor,
    /// because stopping it early saves nothing a user can measure, while small matrices have
    /// long slow tails (nibabel's example_nifti2, 12×640: +1 % above scikit-learn's error when
    /// stopped by the test alone, docs/imaging.md).
    public var minimumWork: Double = 1e8
    /// Iterations between two `.improvement` tests. Default 3 (scikit-learn: 10).
    public var checkInterval: Int = 3
    /// `.improvement` at full resolution over a sliding window: after every iteration (once the
    /// stage has run `checkInterval` of them), the error `checkInterval` iterations ago against
    /// now — the same test, but the stage stops at the first iteration where it holds instead
    /// of the next multiple of `checkInterval` (on the phantoms 6.7 instead of 7.8 full
    /// iterations, same worst error ratio; docs/imaging.md). The binned levels keep the test at
    /// multiples of `checkInterval` (they only seed the full stage). Default on.
    public var slidingCheck: Bool = true
    /// Regularisation strength α ≥ 0. Default 0.
    public var alpha: Double = 0
    /// Share ρ ∈ [0, 1] of the L1 penalty in the regularisation. Default 0.
    public var l1Ratio: Double = 0
    public var alphaScaling: AlphaScaling = .sklearn
    /// Coarse-to-fine start (used when the caller passes the image shape): the volume is first
    /// factorised with pixels averaged in `coarseFactor`×`coarseFactor` bins (NNDSVD(a) of the
    /// binned matrix, then up to `coarseIterations` iterations to `coarseTolerance`),
    /// and the full-resolution iteration starts from that W and the H replicated over each bin.
    /// Each coarse iteration costs 1/coarseFactor² of a full one. 1 = off (plain NNDSVD start).
    /// Default 8 with `coarseLevels` 2, i.e. 8×8 bins, then 4×4 bins, then full resolution.
    public var coarseFactor: Int = 8
    /// Binned levels of the coarse-to-fine start: factors coarseFactor, coarseFactor/2, … (while
    /// even), at most this many, each starting from the previous one. Default 2: most coarse
    /// iterations then run on 8×8 bins at 1/4 of the cost of a 4×4 one (was 1 level of 4×4).
    public var coarseLevels: Int = 2
    /// Maximum iterations of the coarse stage (see `coarseFactor`). Default 200.
    public var coarseIterations: Int = 200
    /// Stopping threshold of the coarse stage (same test as `tolerance`). Coarse iterations are
    /// cheap, so it runs closer to convergence than the full-resolution stage. Default 3e-7.
    public var coarseTolerance: Double = 3e-7
    /// `innerSweeps` of the binned levels: solving each binned H subproblem more exactly leaves
    /// fewer full-resolution iterations to do. Default 8 (16 before extrapolation: the sweeps
    /// were ~80 % of the coarse stage's time).
    public var coarseInnerSweeps: Int = 8
    /// `innerTolerance` of the binned levels. Default 0.03.
    public var coarseInnerTolerance: Double = 0.03

    public init() {}

    /// The published configuration of the method: NNDSVD, α = 10, ρ = 0.8, at most 600
    /// iterations. That configuration predates scikit-learn's size scaling of α, so it uses
    /// `alphaScaling = .none`.
    public static var blog: NMFOptions {
        var o = NMFOptions()
        o.initialization = .nndsvd
        o.alpha = 10
        o.l1Ratio = 0.8
        o.maxIterations = 600
        o.alphaScaling = .none
        o.coarseFactor = 1
        return o
    }

    /// Checks ranges. - Throws: `ImagingError(.argument)`.
    public func validate() throws {
        guard components >= 1 else { throw ImagingError(.argument, "NMF components must be ≥ 1, got \(components)") }
        guard maxIterations >= 1 else { throw ImagingError(.argument, "NMF maxIterations must be ≥ 1, got \(maxIterations)") }
        guard coarseTolerance >= 0, coarseTolerance.isFinite else { throw ImagingError(.argument, "NMF coarseTolerance must be ≥ 0") }
        guard coarseInnerSweeps >= 1, coarseInnerTolerance >= 0, coarseInnerTolerance.isFinite else {
            throw ImagingError(.argument, "NMF coarseInnerSweeps must be ≥ 1 and coarseInnerTolerance ≥ 0")
        }
        guard coarseLevels >= 1 else { throw ImagingError(.argument, "NMF coarseLevels must be ≥ 1, got \(coarseLevels)") }
        guard coarseFactor >= 1, coarseIterations >= 0 else { throw ImagingError(.argument, "NMF coarseFactor must be ≥ 1 and coarseIterations ≥ 0") }
        guard minimumWork >= 0, minimumWork.isFinite else { throw ImagingError(.argument, "NMF minimumWork must be ≥ 0") }
        guard checkInterval >= 1 else { throw ImagingError(.argument, "NMF checkInterval must be ≥ 1, got \(checkInterval)") }
        guard innerSweeps >= 1 else { throw ImagingError(.argument, "NMF innerSweeps must be ≥ 1, got \(innerSweeps)") }
        guard tolerance >= 0, tolerance.isFinite else { throw ImagingError(.argument, "NMF tolerance must be ≥ 0, got \(tolerance)") }
        guard innerTolerance >= 0, innerTolerance.isFinite else { throw ImagingError(.argument, "NMF innerTolerance must be ≥ 0") }
        guard alpha >= 0, alpha.isFinite else { throw ImagingError(.argument, "NMF alpha must be ≥ 0, got \(alpha)") }
        guard l1Ratio >= 0, l1Ratio <= 1 else { throw ImagingError(.argument, "NMF l1Ratio must be in [0, 1], got \(l1Ratio)") }
    }
}
