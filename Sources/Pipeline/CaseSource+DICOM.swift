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

    /// Opened non-blocking as a regular file only (a FIFO given as a dataset path must not hang
    /// enqueue); confinement to the input root comes after listing (`Listing.confine`).
    private static func hasDICOMMarker(_ path: String) -> Bool {
        guard let fd = try? ConfinedFile.open(path, under: "/") else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 132)
        var got = 0
        while got < head.count {
            let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, 132 - got) }
            if n <= 0 { break }
            got += n
        }
        return DICOMInput.hasMarker(Array(head[0..<got]))
    }
}
