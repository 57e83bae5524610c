/// What to do with negative samples before the chain (NMF needs V ≥ 0). Scanners'
/// reconstructions, resampling and scl_inter/RescaleIntercept give real images small negative
/// values, so refusing them would refuse most files no one here wrote.
public enum NegativeSamplePolicy: String, Codable, Sendable, CaseIterable {
    /// Set negative samples to 0 (default): they are noise around a zero background.
    case clip
    /// Add −minimum to every sample, so the minimum becomes 0 (for data offset as a whole,
    /// e.g. signed CT-like units).
    case shift
    /// Refuse the volume (`ImagingError(.value)`, a permanent job error).
    case refuse

    /// What was found and done, for the job's metrics.
    public struct Report: Codable, Sendable, Equatable {
        /// The policy applied.
        public var policy: NegativeSamplePolicy
        /// Negative samples / all samples (before the policy).
        public var negativeFraction: Double
        /// The smallest sample before the policy (0 when none is negative).
        public var minimum: Double

        enum CodingKeys: String, CodingKey {
            case policy, negativeFraction = "negative_fraction", minimum
        }
    }

    /// Applies the policy to `volume` in place.
    /// - Throws: `ImagingError(.value)` under `.refuse` when any sample is negative, giving the
    ///   count and the minimum.
    public func apply(to volume: inout Volume) throws -> Report {
        var negatives = 0
        var minimum: Float = 0
        for v in volume.data where v < 0 {
            negatives += 1
            minimum = min(minimum, v)
        }
        let report = Report(policy: self, negativeFraction: Double(negatives) / Double(volume.data.count), minimum: Double(minimum))
        guard negatives > 0 else { return report }
        switch self {
        case .clip:
            volume.data.withUnsafeMutableBufferPointer { b in for i in b.indices where b[i] < 0 { b[i] = 0 } }
        case .shift:
            let offset = -minimum
            volume.data.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] += offset } }
        case .refuse:
            throw ImagingError(.value, "\(negatives) negative samples (minimum \(minimum)); the run's negativeSamples policy is refuse (clip or shift accept them)")
        }
        return report
    }
}
