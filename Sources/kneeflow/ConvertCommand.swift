import ArgumentParser
import Foundation
import Imaging

/// `kneeflow convert INPUT --out FILE.npy|FILE.nii[.gz]`: any input the worker reads (npy,
/// NIfTI-1/2, a DICOM directory or file) to an MRNet-style (slices, height, width) float32 npy
/// or a NIfTI file, through the same reader and options the worker uses.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a volume (npy, NIfTI, DICOM directory or file) to .npy or .nii/.nii.gz.",
        discussion: """
            Prints what was read (format, series, plane, spacing, notes) on stdout. The samples keep \
            their units (rescale applied) as float32; --negative-samples applies a policy as the \
            worker would, otherwise samples are written as read.
            """)

    @Argument(help: "Input: .npy, .nii, .nii.gz, a DICOM file or a directory of DICOM files.")
    var input: String
    @Option(help: "Output file: .npy (float32, shape (slices, height, width)), .nii or .nii.gz.")
    var out: String
    @OptionGroup var inputFlags: InputFlags

    func validate() throws {
        let lower = out.lowercased()
        guard lower.hasSuffix(".npy") || lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") else {
            throw ValidationError("--out must end in .npy, .nii or .nii.gz")
        }
    }

    func run() throws {
        var result = try VolumeReader.read(path: input, options: inputFlags.readOptions)
        var negatives: NegativeSamplePolicy.Report? = nil
        if let policy = inputFlags.negativeSamples { negatives = try policy.apply(to: &result.volume) }
        let v = result.volume
        if out.lowercased().hasSuffix(".npy") {
            try NpyWriter.write(v, to: out)
        } else {
            try NIfTIWriter.write(v, geometry: result.geometry, to: out)
        }
        print("read \(input): \(result.format.rawValue), \(result.sourceDType), \(v.slices)×\(v.height)×\(v.width) (slices × rows × columns)")
        if let series = result.series { print("series: \(series)") }
        print("orientation: \(result.geometry?.summary ?? "unknown (the file states no geometry)")")
        for note in result.notes { print("note: \(note)") }
        if let negatives {
            print("negative samples: \(negatives.policy.rawValue), fraction \(negatives.negativeFraction), minimum \(negatives.minimum)")
        }
        print("wrote \(out)")
    }
}
