import Foundation
import TestSupport
import XCTest
@testable import Imaging

/// The DICOM reader against pydicom (Debian python3-pydicom), an independent parser with its
/// own RLE and deflate decoders: the same series, ordered by position on the normal by pydicom's
/// side too, must give the same voxels.
final class DICOMIndependentReaderTests: XCTestCase {
    func testPydicomReadsTheSameVolume() throws {
        if let why = DCMTK.missing(["dump2dcm", "dcmconv", "dcmcrle"]) { throw XCTSkip(why) }
        guard FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/pydicom") else {
            throw XCTSkip("python3-pydicom is not installed (ops/install-deps.sh installs it)")
        }
        let tmp = try IOTempDir()
        var fixture = DICOMSeriesFixture.pattern(slices: 6, rows: 9, columns: 11)
        fixture.slope = 1.5; fixture.intercept = -20
        fixture.orientation = [0.28, 0.96, 0, 0, 0, -1]   // normal (−0.96, 0.28, 0): a little oblique
        let script = """
            import sys, glob, numpy as np, pydicom
            ds = [pydicom.dcmread(f) for f in glob.glob(sys.argv[1] + '/*')]
            def depth(d):
                o = np.array(d.ImageOrientationPatient, float)
                return float(np.dot(np.array(d.ImagePositionPatient, float), np.cross(o[:3], o[3:])))
            ds.sort(key=depth)
            v = np.stack([d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in ds])
            np.save(sys.argv[2], v.astype(np.float32))
            """
        for syntax in [DICOMSyntax.explicitLittle, .implicitLittle, .explicitBig, .deflated, .rle] {
            let dir = tmp.path + "/" + syntax.rawValue
            try fixture.write(to: dir, syntax: syntax, seed: 21)
            let out = tmp.path + "/\(syntax.rawValue).npy"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = ["-c", script, dir, out]
            try p.run(); p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, syntax.rawValue)
            let ours = try VolumeReader.read(path: dir)
            XCTAssertEqual(ours.volume.data, try VolumeReader.read(path: out).volume.data, "\(syntax): differs from pydicom")
            XCTAssertEqual(ours.volume.data, fixture.expected, syntax.rawValue)
            XCTAssertEqual(ours.geometry?.planeCosine ?? 0, 0.96, accuracy: 1e-9)
        }
    }
}
