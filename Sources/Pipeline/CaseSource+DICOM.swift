import Common
import Foundation
import Imaging
import Queue

extension CaseSource {
    /// A dataset PATH that is itself one DICOM input (a directory of series without the MRNet
    /// `<plane>/` folder, or a multi-frame file with the `DICM` marker) is one case, named after
    /// the directory or file, without a label. Nil when PATH is anything else.
    static func dicomCase(dataset: String, path: String, plane: String) -> Listing? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue {
            let layout = CohortLayout(datasetDirectory: path)
            guard !FileManager.default.fileExists(atPath: layout.planeDirectory(plane)),
                  let names = try? FileTree.files(under: path), names.contains(where: { Self.hasDICOMMarker(path + "/" + $0) })
            else { return nil }
        } else {
            guard Self.hasDICOMMarker(path) else { return nil }
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        var out = Listing()
        out.jobs = [NewJob(dataset: dataset, caseId: name, inputPath: path, label: nil)]
        out.warnings = ["dataset \(dataset): \(path) is one DICOM input; enqueued as case \(name) without a label"]
        return out
    }

    private static func hasDICOMMarker(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return DICOMInput.hasMarker([UInt8]((try? h.read(upToCount: 132)) ?? Data()))
    }
}
