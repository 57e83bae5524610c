/// Lenient decoding: a missing key keeps the field's default, so stored configurations stay
/// readable when fields are added, and a user may write only what differs.
extension NMFOptions {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: OptionKey.self)
        components = try c.decodeIfPresent(Int.self, forKey: "components") ?? components
        initialization = try c.decodeIfPresent(Initialization.self, forKey: "initialization") ?? initialization
        solver = try c.decodeIfPresent(Solver.self, forKey: "solver") ?? solver
        innerSweeps = try c.decodeIfPresent(Int.self, forKey: "innerSweeps") ?? innerSweeps
        innerTolerance = try c.decodeIfPresent(Double.self, forKey: "innerTolerance") ?? innerTolerance
        maxIterations = try c.decodeIfPresent(Int.self, forKey: "maxIterations") ?? maxIterations
        extrapolate = try c.decodeIfPresent(Bool.self, forKey: "extrapolate") ?? extrapolate
        stopRule = try c.decodeIfPresent(StopRule.self, forKey: "stopRule") ?? stopRule
        tolerance = try c.decodeIfPresent(Double.self, forKey: "tolerance") ?? tolerance
        minimumWork = try c.decodeIfPresent(Double.self, forKey: "minimumWork") ?? minimumWork
        checkInterval = try c.decodeIfPresent(Int.self, forKey: "checkInterval") ?? checkInterval
        slidingCheck = try c.decodeIfPresent(Bool.self, forKey: "slidingCheck") ?? slidingCheck
        alpha = try c.decodeIfPresent(Double.self, forKey: "alpha") ?? alpha
        l1Ratio = try c.decodeIfPresent(Double.self, forKey: "l1Ratio") ?? l1Ratio
        alphaScaling = try c.decodeIfPresent(AlphaScaling.self, forKey: "alphaScaling") ?? alphaScaling
        coarseFactor = try c.decodeIfPresent(Int.self, forKey: "coarseFactor") ?? coarseFactor
        coarseIterations = try c.decodeIfPresent(Int.self, forKey: "coarseIterations") ?? coarseIterations
        coarseLevels = try c.decodeIfPresent(Int.self, forKey: "coarseLevels") ?? coarseLevels
        coarseInnerSweeps = try c.decodeIfPresent(Int.self, forKey: "coarseInnerSweeps") ?? coarseInnerSweeps
        coarseInnerTolerance = try c.decodeIfPresent(Double.self, forKey: "coarseInnerTolerance") ?? coarseInnerTolerance
        coarseTolerance = try c.decodeIfPresent(Double.self, forKey: "coarseTolerance") ?? coarseTolerance
    }
}

extension SliceOptions {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: OptionKey.self)
        sigma = try c.decodeIfPresent(Double.self, forKey: "sigma") ?? sigma
        truncate = try c.decodeIfPresent(Double.self, forKey: "truncate") ?? truncate
        lowPercentile = try c.decodeIfPresent(Double.self, forKey: "lowPercentile") ?? lowPercentile
        highPercentile = try c.decodeIfPresent(Double.self, forKey: "highPercentile") ?? highPercentile
        equalize = try c.decodeIfPresent(Bool.self, forKey: "equalize") ?? equalize
        otsuBins = try c.decodeIfPresent(Int.self, forKey: "otsuBins") ?? otsuBins
        largestComponent = try c.decodeIfPresent(Bool.self, forKey: "largestComponent") ?? largestComponent
        fillHoles = try c.decodeIfPresent(Bool.self, forKey: "fillHoles") ?? fillHoles
        foreground = try c.decodeIfPresent(Foreground.self, forKey: "foreground") ?? foreground
        closingRadius = try c.decodeIfPresent(Int.self, forKey: "closingRadius") ?? closingRadius
    }
}

extension SegmentationOptions {
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: OptionKey.self)
        clusters = try c.decodeIfPresent(Int.self, forKey: "clusters") ?? clusters
        keepStart = try c.decodeIfPresent(Int.self, forKey: "keepStart") ?? keepStart
        keepEnd = try c.decodeIfPresent(Int.self, forKey: "keepEnd") ?? keepEnd
    }
}

/// String coding keys for the lenient decoders above (their names equal the property names,
/// which is also what the synthesised encoders write).
struct OptionKey: CodingKey, ExpressibleByStringLiteral {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
    init(stringLiteral value: String) { stringValue = value }
}
