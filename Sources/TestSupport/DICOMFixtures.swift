import Foundation

/// DICOM fixtures made at test time by DCMTK's command-line tools (Debian package `dcmtk`):
/// `dump2dcm` writes each slice from a text dump and a raw pixel file, then `dcmconv`,
/// `dcmcrle`, `dcmcjpeg` and `dcmcjpls` re-encode it. Nothing here encodes DICOM by hand.
public enum DCMTK {
    /// Why DCMTK's tools are unusable (missing), or nil when all of `tools` are on the PATH.
    public static func missing(_ tools: [String] = ["dump2dcm", "dcmconv", "dcmcrle", "dcmcjpeg", "dcmcjpls"]) -> String? {
        let absent = tools.filter { path(of: $0) == nil }
        return absent.isEmpty ? nil : "DCMTK tools missing (\(absent.joined(separator: ", "))): apt-get install dcmtk (ops/install-deps.sh does)"
    }

    static func path(of tool: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        return dirs.map { $0 + "/" + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool args`; throws with its stderr when it fails.
    public static func run(_ tool: String, _ args: [String]) throws {
        guard let exe = path(of: tool) else { throw FixtureError("\(tool) not found") }
        let r = try ToolProcess.run(exe, args)
        guard r.status == 0 else {
            throw FixtureError("\(tool) \(args.joined(separator: " ")) failed: \(r.stderr)")
        }
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// The transfer syntaxes the fixtures are written in, with the tool call that produces each
/// from an explicit-little-endian file.
public enum DICOMSyntax: String, CaseIterable, Sendable {
    case implicitLittle, explicitLittle, explicitBig, deflated, rle, jpegLossless, jpegLS

    /// Re-encodes `source` (explicit VR little endian) into `target`.
    func convert(_ source: String, _ target: String) throws {
        switch self {
        case .explicitLittle: try DCMTK.run("dcmconv", ["+te", source, target])
        case .implicitLittle: try DCMTK.run("dcmconv", ["+ti", source, target])
        case .explicitBig: try DCMTK.run("dcmconv", ["+tb", source, target])
        case .deflated: try DCMTK.run("dcmconv", ["+td", source, target])
        case .rle: try DCMTK.run("dcmcrle", [source, target])
        case .jpegLossless: try DCMTK.run("dcmcjpeg", ["+e1", source, target])   // process 14, selection value 1
        case .jpegLS: try DCMTK.run("dcmcjpls", ["+el", source, target])          // JPEG-LS lossless
        }
    }
}

/// A series the tests know voxel by voxel: `values[(s * rows + y) * columns + x]` (stored
/// values) in slice order along the normal, written one file per slice under shuffled names and
/// shuffled InstanceNumbers, so only ImagePositionPatient can give the order back.
public struct DICOMSeriesFixture: Sendable {
    public var slices: Int, rows: Int, columns: Int
    public var values: [Int32]
    public var signed = false
    public var seriesUID = "1.2.826.0.1.3680043.2.1125.77.1"
    /// Row and column direction cosines; the default is sagittal (rows along +y, columns along −z).
    public var orientation: [Double] = [0, 1, 0, 0, 0, -1]
    public var origin: [Double] = [12, -40, 30]
    public var sliceSpacing = 3.0
    public var pixelSpacing = (0.5, 0.625)
    public var slope = 1.0, intercept = 0.0
    /// Bits stored (allocated is always 16).
    public var bitsStored = 12

    public init(slices: Int, rows: Int, columns: Int, values: [Int32]) {
        precondition(values.count == slices * rows * columns)
        self.slices = slices; self.rows = rows; self.columns = columns; self.values = values
    }

    /// A pattern with distinct slices: 100 + 37·s + 5·y + x (wrapped below 4096).
    public static func pattern(slices: Int, rows: Int, columns: Int) -> DICOMSeriesFixture {
        var v: [Int32] = []
        for s in 0..<slices { for y in 0..<rows { for x in 0..<columns { v.append(Int32((100 + 37 * s + 5 * y + x) % 4000)) } } }
        return DICOMSeriesFixture(slices: slices, rows: rows, columns: columns, values: v)
    }

    /// The slice normal (row × column cosines).
    public var normal: [Double] {
        let o = orientation
        return [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]]
    }

    /// ImagePositionPatient of slice `s` (origin + s · spacing · normal).
    public func position(_ s: Int) -> [Double] { (0..<3).map { origin[$0] + Double(s) * sliceSpacing * normal[$0] } }

    /// The volume a correct reader returns: stored values × slope + intercept.
    public var expected: [Float] { values.map { Float(Double($0) * slope + intercept) } }

    /// A permutation of 0..<n from `seed` (a small LCG: deterministic, independent of Swift's RNG).
    public static func shuffled(_ n: Int, seed: UInt64) -> [Int] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        var a = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let j = Int((state >> 33) % UInt64(i + 1))
            a.swapAt(i, j)
        }
        return a
    }

    /// Writes one file per slice into `directory` (created) in `syntax`; returns the paths in
    /// slice order. File names are `IM<shuffled number>` (no extension, as scanners write them).
    @discardableResult
    public func write(to directory: String, syntax: DICOMSyntax = .explicitLittle, seed: UInt64 = 1,
                      only: [Int]? = nil) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let work = NSTemporaryDirectory() + "kf-dcm-work-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let names = Self.shuffled(slices, seed: seed), numbers = Self.shuffled(slices, seed: seed &+ 99)
        var out: [String] = []
        for s in only ?? Array(0..<slices) {
            let plane = rows * columns
            let raw = work + "/px\(s).raw"
            try Self.raw(Array(values[(s * plane)..<((s + 1) * plane)])).write(to: URL(fileURLWithPath: raw))
            let dump = work + "/s\(s).dump"
            try dumpText(instance: numbers[s] + 1, position: position(s), rawFile: raw, frames: nil)
                .write(toFile: dump, atomically: true, encoding: .utf8)
            let explicit = work + "/s\(s).dcm"
            try DCMTK.run("dump2dcm", ["+te", dump, explicit])
            let target = directory + "/IM\(String(format: "%04d", names[s] + 1))"
            try syntax.convert(explicit, target)
            out.append(target)
        }
        return out
    }

    /// Writes the whole series as one Enhanced MR Image Storage file: orientation and pixel
    /// measures in the shared functional groups, position and rescale per frame, frames stored
    /// in the shuffled order `frameOrder` (frame f holds slice frameOrder[f]).
    public func writeMultiFrame(to path: String, syntax: DICOMSyntax = .explicitLittle, seed: UInt64 = 5) throws {
        let work = NSTemporaryDirectory() + "kf-dcm-work-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let order = Self.shuffled(slices, seed: seed)
        let plane = rows * columns
        var stored: [Int32] = []
        for s in order { stored += values[(s * plane)..<((s + 1) * plane)] }
        let raw = work + "/px.raw"
        try Self.raw(stored).write(to: URL(fileURLWithPath: raw))
        let dump = work + "/mf.dump"
        try dumpText(instance: 1, position: nil, rawFile: raw, frames: order).write(toFile: dump, atomically: true, encoding: .utf8)
        let explicit = work + "/mf.dcm"
        try DCMTK.run("dump2dcm", ["+te", dump, explicit])
        try syntax.convert(explicit, path)
    }

    static func raw(_ v: [Int32]) -> Data {
        var d = Data(capacity: v.count * 2)
        for x in v { let u = UInt16(truncatingIfNeeded: x).littleEndian; withUnsafeBytes(of: u) { d.append(contentsOf: $0) } }
        return d
    }

    private func ds(_ v: [Double]) -> String { v.map { String(format: "%.6g", $0) }.joined(separator: "\\") }

    /// dcmdump's text format, which dump2dcm reads; pixel data from `rawFile`.
    func dumpText(instance: Int, position: [Double]?, rawFile: String, frames: [Int]?) -> String {
        let multi = frames != nil
        var t = """
            (0008,0016) UI =\(multi ? "EnhancedMRImageStorage" : "MRImageStorage")
            (0008,0018) UI 1.2.826.0.1.3680043.2.1125.77.\(multi ? 900 : 100 + instance).\(seriesUID.utf8.reduce(0) { ($0 * 31 + Int($1)) % 65521 })
            (0008,0060) CS [MR]
            (0008,103e) LO [KneeFlow fixture]
            (0020,000d) UI 1.2.826.0.1.3680043.2.1125.77.0
            (0020,000e) UI \(seriesUID)
            (0020,0013) IS [\(instance)]
            (0028,0002) US 1
            (0028,0004) CS [MONOCHROME2]
            (0028,0010) US \(rows)
            (0028,0011) US \(columns)
            (0028,0100) US 16
            (0028,0101) US \(bitsStored)
            (0028,0102) US \(bitsStored - 1)
            (0028,0103) US \(signed ? 1 : 0)

            """
        if let frames {
            t += "(0028,0008) IS [\(frames.count)]\n"
            t += "(5200,9229) SQ (Sequence with undefined length)\n(fffe,e000) na (Item with undefined length)\n"
            t += item("(0020,9116)", "(0020,0037) DS [\(ds(orientation))]")
            t += item("(0028,9110)", "(0028,0030) DS [\(ds([pixelSpacing.0, pixelSpacing.1]))]\n(0018,0050) DS [\(ds([sliceSpacing]))]")
            t += "(fffe,e00d) na (ItemDelimitationItem)\n(fffe,e0dd) na (SequenceDelimitationItem)\n"
            t += "(5200,9230) SQ (Sequence with undefined length)\n"
            for s in frames {
                t += "(fffe,e000) na (Item with undefined length)\n"
                t += item("(0020,9113)", "(0020,0032) DS [\(ds(self.position(s)))]")
                t += item("(0028,9145)", "(0028,1052) DS [\(ds([intercept]))]\n(0028,1053) DS [\(ds([slope]))]\n(0028,1054) LO [US]")
                t += "(fffe,e00d) na (ItemDelimitationItem)\n"
            }
            t += "(fffe,e0dd) na (SequenceDelimitationItem)\n"
        } else {
            t += "(0020,0032) DS [\(ds(position!))]\n(0020,0037) DS [\(ds(orientation))]\n"
            t += "(0028,0030) DS [\(ds([pixelSpacing.0, pixelSpacing.1]))]\n"
            t += "(0028,1052) DS [\(ds([intercept]))]\n(0028,1053) DS [\(ds([slope]))]\n"
        }
        t += "(7fe0,0010) OW =\(rawFile)\n"
        return t
    }

    private func item(_ sequence: String, _ body: String) -> String {
        "\(sequence) SQ (Sequence with undefined length)\n(fffe,e000) na (Item with undefined length)\n\(body)\n(fffe,e00d) na (ItemDelimitationItem)\n(fffe,e0dd) na (SequenceDelimitationItem)\n"
    }
}
