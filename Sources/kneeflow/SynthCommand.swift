import ArgumentParser
import Foundation
import Phantom

/// `kneeflow synth`: writes a synthetic knee cohort in MRNet's layout.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic sagittal knee-MRI cohort in MRNet's layout (volumes, ACL masks, labels).",
        discussion: """
        Layout: DIR/<dataset>/sagittal/<case>.npy (uint8, slices×size×size), \
        DIR/<dataset>/acl_mask/<case>.npy (uint8, 1 = ACL), \
        DIR/<dataset>/body_mask/<case>.npy (uint8 size×size, 1 = tissue, 0 = air) and DIR/<dataset>-acl.csv \
        ("case,label" lines, no header). Datasets train, site-a and site-b have preset recording \
        techniques; any other name gets a technique derived from the name's hash. \
        Prints one line per dataset on stdout.
        """
    )

    @Option(name: .long, help: "Output directory.")
    var out: String

    @Option(name: .long, help: "Datasets as NAME:COUNT,… (e.g. train:300,site-a:150,site-b:150).")
    var datasets: String = "train:300,site-a:150,site-b:150"

    @Option(name: .long, help: "Seed; the same seed gives the same bytes.")
    var seed: UInt64 = 7

    @Option(name: .long, help: "In-plane size in pixels.")
    var size: Int = 256

    @Option(name: .long, help: "Slice-count range LO:HI.")
    var slices: String = "20:40"

    @Option(name: .long, help: "Fraction of torn ACLs per dataset (0…1).")
    var tearFraction: Double = 0.25

    @Option(name: .long, help: "Worker threads (default: all processors); output does not depend on it.")
    var threads: Int?

    @Flag(name: .long, help: "Also write NIfTI-1 copies: DIR/<dataset>/nifti/<case>.nii and <case>_acl.nii.")
    var nifti = false

    @Flag(name: .long, help: "Also write PNGs of the ACL slice of a healthy and a torn case per dataset into DIR/previews/.")
    var preview = false

    func spec() throws -> CohortSpec {
        let parts = slices.split(separator: ":")
        guard parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), lo >= 1, lo <= hi else {
            throw ValidationError("--slices must be LO:HI with 1 ≤ LO ≤ HI, got '\(slices)'")
        }
        do {
            let spec = CohortSpec(datasets: try CohortSpec.parseDatasets(datasets), seed: seed, size: size,
                                  slices: lo...hi, tearFraction: tearFraction, nifti: nifti)
            try spec.validate()
            return spec
        } catch let e as PhantomError {
            throw ValidationError(e.message)
        }
    }

    func validate() throws {
        _ = try spec()
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let spec = try spec()
        let start = Date()
        let summary: CohortSummary
        do {
            summary = try Cohort.write(spec, to: out, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let seconds = Date().timeIntervalSince(start)
        for d in summary.datasets {
            print("\(d.name): \(d.cases) cases, \(d.tears) tears, \(d.slices) slices -> \(d.volumeDirectory), \(d.labelsPath)")
        }
        FileHandle.standardError.write(Data(String(format: "synth: %.1f s\n", seconds).utf8))
        if preview {
            let dir = (out as NSString).appendingPathComponent("previews")
            for d in spec.datasets {
                let labels = spec.labels(for: d)
                for torn in [false, true] {
                    guard let i = labels.firstIndex(of: torn) else { continue }
                    let c = try Cohort.generate(spec, dataset: d, index: i)
                    let id = CohortSpec.caseID(i, count: d.count)
                    let name = "\(d.name)-\(id)-\(torn ? "torn" : "healthy")"
                    try PhantomPreview.write(c, slice: PhantomPreview.aclSlice(of: c),
                                             gray: "\(dir)/\(name).png", overlay: "\(dir)/\(name)-acl.png")
                    print("preview: \(dir)/\(name).png")
                }
            }
        }
    }
}
