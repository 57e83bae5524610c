import ArgumentParser
import Imaging
import Pipeline

/// The preprocessing flags `preprocess`, `enqueue` and `bench chain` share: NMF, slice
/// preprocessing and segmentation. One declaration and one parser per value; each flag given
/// overrides the same field of a `PreprocessOptions` (defaults, or the configuration file's).
struct PreprocessingFlags: ParsableArguments {
    /// `--preset`: a starting point for the NMF settings.
    enum Preset: String, ExpressibleByArgument, CaseIterable {
        /// The defaults (NNDSVDa, HALS, coarse-to-fine).
        case `default`
        /// NNDSVD, alpha 10, L1 ratio 0.8, up to 600 iterations, no alpha scaling, no binning.
        case blog
    }

    @Option(help: "NMF preset: default or blog (nndsvd, alpha 10, l1 ratio 0.8, up to 600 iterations).")
    var preset: Preset?

    // NMF.
    @Option(name: .customLong("k"), help: "NMF components K (base images).") var components: Int?
    @Option(help: "NMF initialisation: nndsvd or nndsvda.") var initialization: NMFOptions.Initialization?
    @Option(help: "NMF solver: hals, halsGemm or multiplicative.") var solver: NMFOptions.Solver?
    @Option(help: "HALS inner sweeps per outer iteration (1 = plain HALS).") var innerSweeps: Int?
    @Option(help: "NMF maximum iterations.") var maxIterations: Int?
    @Option(help: "NMF extrapolation of the HALS iterations: true or false.") var extrapolate: Bool?
    @Option(help: "NMF stopping test: projectedGradient or improvement.") var stopRule: NMFOptions.StopRule?
    @Option(help: "NMF stopping tolerance.") var tol: Double?
    @Option(help: "NMF work floor (multiply-adds) before the stopping test is honoured.") var minimumWork: Double?
    @Option(help: "NMF iterations between stopping tests.") var checkInterval: Int?
    @Option(help: "NMF full-resolution stopping test after every iteration (true or false).") var slidingCheck: Bool?
    @Option(help: "NMF regularisation alpha.") var alpha: Double?
    @Option(help: "NMF L1 ratio.") var l1Ratio: Double?
    @Option(help: "Alpha scaling: sklearn or none.") var alphaScaling: NMFOptions.AlphaScaling?
    @Option(help: "NMF coarse-to-fine bin factor (1 = off).") var coarseFactor: Int?
    @Option(help: "NMF coarse-to-fine levels (factor, factor/2, …).") var coarseLevels: Int?
    @Option(help: "NMF coarse-stage maximum iterations.") var coarseIterations: Int?
    @Option(help: "NMF coarse-stage tolerance.") var coarseTol: Double?
    @Option(help: "HALS inner sweeps on the binned levels.") var coarseInnerSweeps: Int?
    @Option(help: "HALS inner-sweep tolerance on the binned levels.") var coarseInnerTol: Double?

    // Slice preprocessing.
    @Option(help: "Gaussian sigma (pixels).") var sigma: Double?
    @Option(help: "Normalisation percentiles LOW:HIGH, e.g. 1:99.") var percentiles: PercentileRange?
    @Flag(help: "Skip histogram equalisation.") var noEqualize = false

    // Segmentation.
    @Option(help: "K-means clusters.") var clusters: Int?
    @Option(help: "Kept cluster range START:END (END exclusive), e.g. 0:4.") var keep: ClusterRange?

    func validate() throws {
        for (name, value) in [("--k", components), ("--inner-sweeps", innerSweeps), ("--max-iterations", maxIterations),
                              ("--check-interval", checkInterval), ("--coarse-factor", coarseFactor),
                              ("--coarse-levels", coarseLevels), ("--coarse-iterations", coarseIterations),
                              ("--coarse-inner-sweeps", coarseInnerSweeps), ("--clusters", clusters)] {
            if let value, value < 1 { throw ValidationError("\(name) must be ≥ 1") }
        }
    }

    /// Applies the preset, then every flag given, to `o`.
    func apply(to o: inout PreprocessOptions) {
        if preset == .blog { o.nmf = .blog }
        if let components { o.nmf.components = components }
        if let initialization { o.nmf.initialization = initialization }
        if let solver { o.nmf.solver = solver }
        if let innerSweeps { o.nmf.innerSweeps = innerSweeps }
        if let maxIterations { o.nmf.maxIterations = maxIterations }
        if let stopRule { o.nmf.stopRule = stopRule }
        if let tol { o.nmf.tolerance = tol }
        if let extrapolate { o.nmf.extrapolate = extrapolate }
        if let minimumWork { o.nmf.minimumWork = minimumWork }
        if let checkInterval { o.nmf.checkInterval = checkInterval }
        if let slidingCheck { o.nmf.slidingCheck = slidingCheck }
        if let alpha { o.nmf.alpha = alpha }
        if let l1Ratio { o.nmf.l1Ratio = l1Ratio }
        if let alphaScaling { o.nmf.alphaScaling = alphaScaling }
        if let coarseFactor { o.nmf.coarseFactor = coarseFactor }
        if let coarseLevels { o.nmf.coarseLevels = coarseLevels }
        if let coarseIterations { o.nmf.coarseIterations = coarseIterations }
        if let coarseTol { o.nmf.coarseTolerance = coarseTol }
        if let coarseInnerSweeps { o.nmf.coarseInnerSweeps = coarseInnerSweeps }
        if let coarseInnerTol { o.nmf.coarseInnerTolerance = coarseInnerTol }
        if let sigma { o.slice.sigma = sigma }
        if let percentiles { o.slice.lowPercentile = percentiles.low; o.slice.highPercentile = percentiles.high }
        if noEqualize { o.slice.equalize = false }
        if let clusters { o.segmentation.clusters = clusters }
        if let keep { o.segmentation.keepStart = keep.start; o.segmentation.keepEnd = keep.end }
    }

    /// The options these flags give on top of the defaults, validated.
    /// - Throws: `ValidationError` naming the invalid setting.
    func options() throws -> PreprocessOptions {
        var o = PreprocessOptions()
        apply(to: &o)
        do { try o.validate() } catch { throw ValidationError("\(error)") }
        return o
    }
}

/// `LOW:HIGH` percentiles.
struct PercentileRange: ExpressibleByArgument {
    let low: Double, high: Double
    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]) else { return nil }
        low = a; high = b
    }
}

extension ClusterRange: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
extension NMFOptions.Initialization: ExpressibleByArgument {}
extension NMFOptions.Solver: ExpressibleByArgument {}
extension NMFOptions.AlphaScaling: ExpressibleByArgument {}
extension NMFOptions.StopRule: ExpressibleByArgument {}
