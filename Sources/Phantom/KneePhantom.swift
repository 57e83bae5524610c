import Foundation

/// One generated case: a sagittal volume and its ACL mask, both uint8 in C order with shape
/// (slices, size, size), plus the hidden variables that made it (for tests and difficulty
/// measurements; they are not written to the cohort).
public struct PhantomCase: Sendable {
    public let slices: Int
    public let height: Int
    public let width: Int
    /// Intensities 0…255, `volume[(s * height + y) * width + x]`.
    public let volume: [UInt8]
    /// 1 where at least half of the voxel is ACL (fibres or, when torn, the oedema of the tear),
    /// else 0.
    public let aclMask: [UInt8]
    /// height × width, 1 where any slice holds tissue (the knee and limb as painted, before noise;
    /// its dark interior included), 0 for the air around it: the ground truth of "knee against
    /// background", for measuring foreground masks (never an input to the chain or training).
    public let bodyMask: [UInt8]
    public let torn: Bool
    /// The ACL's condition: "intact", "mucoid" (healthy, thickened, raised signal),
    /// "partial-tear" or "complete-tear".
    public let aclState: String
    /// Effusion size, 0 (a physiological trace) … 1 (large).
    public let effusion: Float
    /// Slice spacing and thickness in mm, in-plane pixel size in mm.
    public let sliceSpacingMM: Float, sliceThicknessMM: Float, pixelMM: Float

    /// The shape as [slices, height, width] (what the .npy header says).
    public var shape: [Int] { [slices, height, width] }
}

/// The synthetic knee generator: one sagittal knee MRI volume per case seed.
public enum KneePhantom {
    /// The largest volume generated (slices × size × size): 2²⁹ voxels, 512 MiB as uint8.
    public static let maxVoxels = 1 << 29

    /// Generates one case. Everything random is drawn from `SplitMix64(seed: caseSeed)`, so the
    /// same arguments always give the same bytes.
    /// - Parameters:
    ///   - caseSeed: e.g. `PhantomSeed.caseSeed(seed:dataset:index:)`.
    ///   - technique: the recording technique (contrast, noise, geometry) of the dataset.
    ///   - torn: whether the ACL is torn (the label).
    ///   - size: in-plane size in pixels (height = width = size), at least 16.
    ///   - slices: the range the slice count is drawn from (uniformly), lower bound at least 1.
    /// - Throws: `PhantomError(.argument)` for a size below 16, more than 4096, a slice range
    ///   outside 1…1024, or more than `maxVoxels` voxels.
    public static func generate(caseSeed: UInt64, technique: DatasetTechnique, torn: Bool,
                                size: Int, slices: ClosedRange<Int>) throws -> PhantomCase {
        guard (16...4096).contains(size) else { throw PhantomError(.argument, "size must be in 16…4096, got \(size)") }
        guard slices.lowerBound >= 1, slices.upperBound <= 1024 else {
            throw PhantomError(.argument, "slice counts must lie in 1…1024, got \(slices.lowerBound)…\(slices.upperBound)")
        }
        guard size * size * slices.upperBound <= maxVoxels else {
            throw PhantomError(.argument, "volumes of up to \(slices.upperBound)×\(size)×\(size) exceed \(maxVoxels) voxels")
        }
        var r = SplitMix64(seed: caseSeed)
        let anatomy = KneeAnatomy(rng: &r, torn: torn, technique: technique)
        let count = slices.lowerBound + Int(r.next() % UInt64(slices.count))
        let geometry = r.uniform(0.92, 1.08)
        let spacing = technique.sliceSpacingMM * geometry, thickness = technique.sliceThicknessMM * geometry
        let side: Float = r.chance(0.5) ? 1 : -1          // left or right knee: slice order flips
        let zOffset = r.uniform(-6, 6) + anatomy.acl.z * 0.3
        let frame = Frame(size: size, fovMM: technique.fovMM * r.uniform(0.95, 1.05),
                          centreU: r.uniform(-8, 16), centreV: r.uniform(-22, 12), rotation: r.uniform(-0.2, 0.2))
        let bias = BiasField(rng: &r, strength: technique.biasStrength, size: size, slices: count)
        let sigma = technique.noiseSigma * r.uniform(0.8, 1.2)
        let scale = 255 * technique.intensityScale * r.uniform(0.85, 1.15)
        var offsets = SplitMix64(seed: r.next())

        let n = size * size
        var volume = [UInt8](repeating: 0, count: count * n)
        var mask = [UInt8](repeating: 0, count: count * n)
        var body = [UInt8](repeating: 0, count: n)
        var canvas = Canvas(frame: frame)
        for s in 0..<count {
            let z = side * (zOffset + (Float(s) - Float(count - 1) / 2) * spacing)
            canvas.reset()
            anatomy.render(into: &canvas, z: z, thickness: thickness)
            volume.withUnsafeMutableBufferPointer { vol in
                canvas.signal.withUnsafeBufferPointer { sig in
                    Acquisition.acquire(signal: sig, slice: s, size: size, bias: bias, sigma: sigma, scale: scale,
                                        offsets: &offsets, into: UnsafeMutableBufferPointer(rebasing: vol[(s * n)..<((s + 1) * n)]))
                }
            }
            mask.withUnsafeMutableBufferPointer { m in
                canvas.acl.withUnsafeBufferPointer { acl in
                    for i in 0..<n { m[s * n + i] = acl[i] >= 0.5 ? 1 : 0 }
                }
            }
            // Air is never painted (signal exactly 0); an anti-aliased edge counts from 1 % up.
            for i in 0..<n where canvas.signal[i] > 0.01 { body[i] = 1 }
        }

        let state: String
        switch anatomy.acl.state {
        case .intact: state = "intact"
        case .mucoid: state = "mucoid"
        case .partialTear: state = "partial-tear"
        case .completeTear: state = "complete-tear"
        }
        return PhantomCase(slices: count, height: size, width: size, volume: volume, aclMask: mask, bodyMask: body, torn: torn,
                           aclState: state, effusion: anatomy.effusion, sliceSpacingMM: spacing,
                           sliceThicknessMM: thickness, pixelMM: frame.pixelMM)
    }
}
