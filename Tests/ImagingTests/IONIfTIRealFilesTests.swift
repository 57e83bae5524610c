import Foundation
import XCTest
@testable import Imaging

/// NIfTI files no one here wrote: nibabel's test data (Debian python3-nibabel), read by our
/// reader and compared voxel by voxel with nibabel itself, an independent reader.
final class IONIfTIRealFilesTests: XCTestCase {
    static let data = "/usr/lib/python3/dist-packages/nibabel/tests/data"
    var tmp: IOTempDir!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: Self.data + "/anatomical.nii") else {
            throw XCTSkip("python3-nibabel is not installed (ops/install-deps.sh installs it)")
        }
        tmp = try IOTempDir()
    }

    /// nibabel's `get_fdata()` (first volume of 4-D images) with slices along storage axis
    /// `axis`, written as a float32 npy by python3.
    func nibabel(_ file: String, axis: Int) throws -> [Float] {
        let out = tmp.path + "/ref.npy"
        let script = """
            import sys, numpy as np, nibabel as nib
            d = nib.load(sys.argv[1]).get_fdata()
            d = d[..., 0] if d.ndim == 4 else d
            np.save(sys.argv[2], np.ascontiguousarray(np.moveaxis(d, \(axis), 0).astype(np.float32)))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script, Self.data + "/" + file, out]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return try VolumeReader.read(path: out).volume.data
    }

    func testFilesMatchNibabelAlongTheSagittalAxisOfTheAffine() throws {
        // (file, shape read, notes expected)
        let cases: [(String, [Int], String)] = [
            ("anatomical.nii", [33, 41, 25], "sform"),            // SPM anatomical: big-endian int16, negatives
            ("example4d.nii.gz", [128, 96, 24], "4-D"),
            ("example_nifti2.nii.gz", [32, 20, 12], "NIfTI-2"),
            ("functional.nii", [17, 21, 3], "scl_slope=0.075"),   // scl_slope/scl_inter applied
            ("standard.nii.gz", [4, 5, 7], "sform"),
        ]
        for (file, shape, note) in cases {
            let r = try VolumeReader.read(path: Self.data + "/" + file)
            XCTAssertEqual([r.volume.slices, r.volume.height, r.volume.width], shape, file)
            XCTAssertEqual(r.geometry?.plane, .sagittal, file)
            XCTAssertTrue(r.notes.contains { $0.contains(note) }, "\(file): \(r.notes)")
            XCTAssertEqual(r.volume.data, try nibabel(file, axis: 0), "\(file): voxels differ from nibabel's")
        }
        let anatomical = try VolumeReader.read(path: Self.data + "/anatomical.nii")
        XCTAssertEqual(anatomical.volume.data.min(), -610, "the SPM image really has negative samples")
        XCTAssertEqual(anatomical.geometry?.spacingMM.slice ?? 0, 2, accuracy: 1e-6)
    }

    func testPlaneAndExplicitAxisChooseTheSlices() throws {
        let path = Self.data + "/example4d.nii.gz"
        let axial = try VolumeReader.read(path: path, options: .init(plane: .axial))
        XCTAssertEqual([axial.volume.slices, axial.volume.height, axial.volume.width], [24, 128, 96])
        XCTAssertEqual(axial.volume.data, try nibabel("example4d.nii.gz", axis: 2))
        let coronal = try VolumeReader.read(path: path, options: .init(plane: .coronal))
        XCTAssertEqual(coronal.volume.slices, 96)
        XCTAssertEqual(coronal.geometry?.plane, .coronal)
        let explicit = try VolumeReader.read(path: path, options: .init(sliceAxis: 2, plane: .sagittal))
        XCTAssertEqual(explicit.volume.data, axial.volume.data, "an explicit axis overrides the plane")
        XCTAssertTrue(explicit.notes.contains { $0.contains("set explicitly") })
    }

    func testQformIsUsedWithoutSformAndNoAffineFallsBackToTheThirdAxis() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.data + "/anatomical.nii")))
        bytes[254] = 0; bytes[255] = 0   // sform_code = 0 (big-endian int16)
        let qform = try VolumeReader.read(bytes: bytes, name: "q.nii")
        XCTAssertEqual(qform.volume.slices, 33)
        XCTAssertTrue(qform.notes.contains { $0.contains("qform") }, "\(qform.notes)")
        bytes[252] = 0; bytes[253] = 0   // qform_code = 0 too
        let none = try VolumeReader.read(bytes: bytes, name: "n.nii")
        XCTAssertEqual(none.volume.slices, 25)
        XCTAssertNil(none.geometry)
        XCTAssertTrue(none.notes.contains { $0.contains("no sform or qform") }, "\(none.notes)")
    }

    func testConvertedNIfTIReadsBackTheSameVolume() throws {
        let r = try VolumeReader.read(path: Self.data + "/anatomical.nii")
        for name in ["back.nii", "back.nii.gz"] {
            let out = tmp.path + "/" + name
            try NIfTIWriter.write(r.volume, geometry: r.geometry, to: out)
            let back = try VolumeReader.read(path: out)
            XCTAssertEqual(back.volume, r.volume, name)
            XCTAssertEqual(back.geometry?.plane, .sagittal)
            XCTAssertEqual(back.geometry?.spacingMM.slice ?? 0, 2, accuracy: 1e-6)
        }
    }
}
