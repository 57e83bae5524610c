import Foundation

/// What to generate: named datasets (each with its own recording technique), a seed, the volume
/// size, the slice-count range and the fraction of torn ACLs.
public struct CohortSpec: Sendable, Equatable {
    /// One dataset: its name (directory and CSV prefix) and number of cases.
    public struct Dataset: Sendable, Equatable {
        public var name: String
        public var count: Int
        public init(name: String, count: Int) { self.name = name; self.count = count }
    }

    public var datasets: [Dataset]
    public var seed: UInt64
    /// In-plane size in pixels (MRNet: 256).
    public var size: Int
    /// Slice counts are drawn uniformly from this range (MRNet sagittal: roughly 20–50).
    public var slices: ClosedRange<Int>
    /// Fraction of torn ACLs per dataset; each dataset gets exactly `round(fraction · count)`.
    public var tearFraction: Double
    /// Also write NIfTI-1 copies: `<dataset>/nifti/<case>.nii` and `<dataset>/nifti/<case>_acl.nii`.
    public var nifti: Bool

    public init(datasets: [Dataset], seed: UInt64, size: Int = 256, slices: ClosedRange<Int> = 20...40,
                tearFraction: Double = 0.25, nifti: Bool = false) {
        self.datasets = datasets; self.seed = seed; self.size = size
        self.slices = slices; self.tearFraction = tearFraction; self.nifti = nifti
    }

    /// Parses `train:300,site-a:150,site-b:150`.
    /// - Throws: `PhantomError(.argument)` for an empty list, a missing or non-positive count,
    ///   or an invalid name.
    public static func parseDatasets(_ text: String) throws -> [Dataset] {
        var out: [Dataset] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw PhantomError(.argument, "dataset '\(item)' is not NAME:COUNT")
            }
            out.append(Dataset(name: parts[0].trimmingCharacters(in: .whitespaces), count: n))
        }
        let spec = CohortSpec(datasets: out, seed: 0)
        try spec.validate()
        return out
    }

    /// Checks the specification.
    /// - Throws: `PhantomError(.argument)` naming the first problem: no datasets, a name that is
    ///   empty, repeated, starts with '.' or has characters other than letters, digits, '-', '_'
    ///   and '.', a count outside 1…1 000 000, a size outside 16…4096, a slice range outside
    ///   1…1024, volumes above `KneePhantom.maxVoxels`, or a tear fraction outside 0…1.
    public func validate() throws {
        guard !datasets.isEmpty else { throw PhantomError(.argument, "no datasets given") }
        var seen = Set<String>()
        for d in datasets {
            let ok = !d.name.isEmpty && !d.name.hasPrefix(".") && d.name.unicodeScalars.allSatisfy {
                ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || "-_.".unicodeScalars.contains($0)
            }
            guard ok else { throw PhantomError(.argument, "invalid dataset name '\(d.name)' (letters, digits, '-', '_', '.')") }
            guard seen.insert(d.name).inserted else { throw PhantomError(.argument, "dataset '\(d.name)' given twice") }
            guard (1...1_000_000).contains(d.count) else {
                throw PhantomError(.argument, "dataset '\(d.name)' needs 1…1000000 cases, got \(d.count)")
            }
        }
        guard (16...4096).contains(size) else { throw PhantomError(.argument, "size must be in 16…4096, got \(size)") }
        guard slices.lowerBound >= 1, slices.upperBound <= 1024 else {
            throw PhantomError(.argument, "slice counts must lie in 1…1024, got \(slices.lowerBound)…\(slices.upperBound)")
        }
        guard size * size * slices.upperBound <= KneePhantom.maxVoxels else {
            throw PhantomError(.argument, "volumes of up to \(slices.upperBound)×\(size)×\(size) exceed \(KneePhantom.maxVoxels) voxels")
        }
        guard tearFraction.isFinite, (0...1).contains(tearFraction) else {
            throw PhantomError(.argument, "tear fraction must be in 0…1, got \(tearFraction)")
        }
    }

    /// The case id of index `i` in a dataset of `count` cases: zero-padded to at least four
    /// digits, as MRNet's "0000".
    public static func caseID(_ i: Int, count: Int) -> String {
        let width = max(4, String(max(count - 1, 0)).count)
        let digits = String(i)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Which cases of `dataset` are torn: exactly `round(tearFraction · count)` of them, chosen by
    /// a Fisher–Yates shuffle seeded from (seed, dataset name).
    public func labels(for dataset: Dataset) -> [Bool] {
        let tears = Int((tearFraction * Double(dataset.count)).rounded())
        var order = Array(0..<dataset.count)
        var r = SplitMix64(seed: PhantomSeed.datasetSeed(seed: seed, dataset: dataset.name))
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(r.next() % UInt64(i + 1)))
            }
        }
        var torn = [Bool](repeating: false, count: dataset.count)
        for i in order.prefix(tears) { torn[i] = true }
        return torn
    }
}
