/// How one dataset's scans were recorded: the "hospital". Two datasets with different techniques
/// differ in contrast, brightness, noise, field of view and slice geometry, as two sites do.
///
/// Tissue signals are relative (0…1 before the intensity scale); the final uint8 sample is
/// `clamp(round(255 · intensityScale · caseJitter · |signal · bias + Rician noise|))`.
public struct DatasetTechnique: Sendable, Equatable {
    /// Name for logs and reports.
    public var name: String
    /// In-plane field of view in mm (square); pixel size is `fovMM / size`.
    public var fovMM: Float
    /// Centre-to-centre distance of neighbouring slices in mm (medial–lateral axis).
    public var sliceSpacingMM: Float
    /// Slice thickness in mm; thicker than the spacing means overlapping slices, and the
    /// partial-volume blur across slices grows with it.
    public var sliceThicknessMM: Float
    /// Rician noise: standard deviation of each quadrature channel, relative to signal 1.
    public var noiseSigma: Float
    /// Multiplier from relative signal to the 0…255 range.
    public var intensityScale: Float
    /// Strength of the smooth multiplicative bias field (0: none; 0.3: ±~30 % across the image).
    public var biasStrength: Float
    /// Relative tissue signals.
    public var fat: Float
    public var marrow: Float
    public var muscle: Float
    public var cartilage: Float
    public var fluid: Float
    /// Ligaments, tendons and menisci (dark on all usual sequences).
    public var ligament: Float
    public var cortex: Float
    /// Popliteal vein signal (slow flow: anything from dark to bright depending on sequence).
    public var vein: Float

    public init(name: String, fovMM: Float, sliceSpacingMM: Float, sliceThicknessMM: Float,
                noiseSigma: Float, intensityScale: Float, biasStrength: Float,
                fat: Float, marrow: Float, muscle: Float, cartilage: Float, fluid: Float,
                ligament: Float, cortex: Float, vein: Float) {
        self.name = name; self.fovMM = fovMM; self.sliceSpacingMM = sliceSpacingMM
        self.sliceThicknessMM = sliceThicknessMM; self.noiseSigma = noiseSigma
        self.intensityScale = intensityScale; self.biasStrength = biasStrength
        self.fat = fat; self.marrow = marrow; self.muscle = muscle; self.cartilage = cartilage
        self.fluid = fluid; self.ligament = ligament; self.cortex = cortex; self.vein = vein
    }

    /// The training site: proton-density-like contrast, 3 mm contiguous slices, moderate noise.
    public static let train = DatasetTechnique(
        name: "train", fovMM: 150, sliceSpacingMM: 3.0, sliceThicknessMM: 3.0,
        noiseSigma: 0.045, intensityScale: 0.85, biasStrength: 0.25,
        fat: 0.82, marrow: 0.66, muscle: 0.34, cartilage: 0.52, fluid: 0.72,
        ligament: 0.10, cortex: 0.05, vein: 0.45)

    /// Site A (an older 1.5 T scanner): thick overlapping slices (3.5 mm spacing, 4.5 mm
    /// thickness, strong partial-volume blur), noisier, brighter, more T2-weighted (fluid brighter
    /// than fat), weaker bias.
    public static let siteA = DatasetTechnique(
        name: "site-a", fovMM: 160, sliceSpacingMM: 3.5, sliceThicknessMM: 4.5,
        noiseSigma: 0.07, intensityScale: 0.92, biasStrength: 0.15,
        fat: 0.72, marrow: 0.56, muscle: 0.30, cartilage: 0.50, fluid: 0.90,
        ligament: 0.13, cortex: 0.06, vein: 0.70)

    /// Site B (a 3 T scanner with surface coils): thin slices (2.5 mm), little noise, strong bias
    /// field, darker overall, partially suppressed fat, darker vein.
    public static let siteB = DatasetTechnique(
        name: "site-b", fovMM: 140, sliceSpacingMM: 2.5, sliceThicknessMM: 2.5,
        noiseSigma: 0.03, intensityScale: 0.80, biasStrength: 0.45,
        fat: 0.62, marrow: 0.50, muscle: 0.38, cartilage: 0.58, fluid: 0.85,
        ligament: 0.08, cortex: 0.04, vein: 0.25)

    /// The technique of a dataset: the presets for `train`, `site-a` and `site-b`; any other name
    /// gets a technique drawn from ranges that span the presets, seeded by the FNV-1a hash of the
    /// name (so the same name always means the same "hospital", on every machine).
    public static func preset(for dataset: String) -> DatasetTechnique {
        switch dataset {
        case "train": return .train
        case "site-a": return .siteA
        case "site-b": return .siteB
        default:
            var r = SplitMix64(seed: PhantomSeed.hash(dataset))
            let spacing = r.uniform(2.5, 4.0)
            return DatasetTechnique(
                name: dataset, fovMM: r.uniform(135, 165), sliceSpacingMM: spacing,
                sliceThicknessMM: spacing * r.uniform(1.0, 1.3),
                noiseSigma: r.uniform(0.03, 0.07), intensityScale: r.uniform(0.8, 1.05),
                biasStrength: r.uniform(0.1, 0.45),
                fat: r.uniform(0.6, 0.85), marrow: r.uniform(0.55, 0.78), muscle: r.uniform(0.28, 0.4),
                cartilage: r.uniform(0.48, 0.6), fluid: r.uniform(0.7, 0.92),
                ligament: r.uniform(0.07, 0.14), cortex: r.uniform(0.03, 0.07), vein: r.uniform(0.2, 0.7))
        }
    }
}
