import ArgumentParser
import Imaging
import Pipeline

/// How inputs are read, shared by `preprocess`, `enqueue` and `convert`: the plane (NIfTI axis
/// from the affine, DICOM series by orientation), an explicit NIfTI storage axis, and the
/// negative-sample policy. Each flag given overrides the same field of the run configuration.
struct InputFlags: ParsableArguments {
    @Option(help: "Plane to read: sagittal (default), coronal or axial (NIfTI: the storage axis closest to its normal in the affine; DICOM: the series of that orientation; enqueue: also the MRNet <plane>/ folder).")
    var plane: AnatomicalPlane?
    @Option(help: "NIfTI storage axis (0, 1 or 2) to slice along, overriding --plane.")
    var sliceAxis: Int?
    @Option(help: "Negative samples: clip (default: set to 0, fraction in the metrics), shift (add −min) or refuse.")
    var negativeSamples: NegativeSamplePolicy?

    func validate() throws {
        if let sliceAxis, !(0...2).contains(sliceAxis) { throw ValidationError("--slice-axis must be 0, 1 or 2") }
    }

    /// Applies every flag given to `config`.
    func apply(to config: inout PipelineConfig) {
        if let plane { config.plane = plane }
        if let sliceAxis { config.sliceAxis = sliceAxis }
        if let negativeSamples { config.negativeSamples = negativeSamples }
    }

    /// Read options for a command without a run configuration.
    var readOptions: VolumeReadOptions {
        var config = PipelineConfig()
        apply(to: &config)
        return config.readOptions
    }
}

extension AnatomicalPlane: ExpressibleByArgument {}
extension NegativeSamplePolicy: ExpressibleByArgument {}
