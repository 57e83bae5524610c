import Foundation

/// MRNet's on-disk layout of a cohort, the one owner of its names: the synthetic cohort writes it
/// (Phantom), `enqueue` reads it (Pipeline's `CaseSource`), the chain finds ground-truth masks in
/// it (Pipeline's `ACLRetention`).
///
/// ```
/// <dir>/<dataset>/sagittal/<case>.npy   volumes (one directory per plane)
/// <dir>/<dataset>/acl_mask/<case>.npy   ground-truth ACL masks (synthetic cohorts only)
/// <dir>/<dataset>/body_mask/<case>.npy  ground-truth tissue vs air, h×w (synthetic cohorts only)
/// <dir>/<dataset>/nifti/<case>.nii      the same volumes as NIfTI (synthetic, on request)
/// <dir>/<dataset>-acl.csv               labels: "<case>,<0|1>" per line
/// ```
public struct CohortLayout: Sendable, Equatable {
    /// The plane read when none is given.
    public static let defaultPlane = "sagittal"
    /// The directory of ground-truth ACL masks, beside the plane directories.
    public static let maskDirectoryName = "acl_mask"
    /// The directory of ground-truth body masks (tissue vs air), beside the plane directories.
    public static let bodyMaskDirectoryName = "body_mask"
    /// The directory of NIfTI copies, beside the plane directories.
    public static let niftiDirectoryName = "nifti"
    /// The file extension of volumes and masks.
    public static let volumeExtension = "npy"

    /// The dataset's directory (`<dir>/<dataset>`), without a trailing slash.
    public let datasetDirectory: String

    /// The layout of the dataset directory `path` (a trailing slash is ignored).
    public init(datasetDirectory path: String) {
        datasetDirectory = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The layout of dataset `name` in the cohort directory `cohort`.
    public init(cohort: String, dataset name: String) {
        self.init(datasetDirectory: (cohort as NSString).appendingPathComponent(name))
    }

    /// `<dataset>/<plane>`.
    public func planeDirectory(_ plane: String = defaultPlane) -> String { datasetDirectory + "/" + plane }

    /// `<dataset>/acl_mask`.
    public var maskDirectory: String { datasetDirectory + "/" + Self.maskDirectoryName }

    /// `<dataset>/body_mask`.
    public var bodyMaskDirectory: String { datasetDirectory + "/" + Self.bodyMaskDirectoryName }

    /// The ground-truth body mask of a case: `<dataset>/body_mask/<case>.npy`.
    public func bodyMaskPath(case id: String) -> String { bodyMaskDirectory + "/" + Self.fileName(case: id) }

    /// `<dataset>/nifti`.
    public var niftiDirectory: String { datasetDirectory + "/" + Self.niftiDirectoryName }

    /// `<dataset>-acl.csv`, beside the dataset directory.
    public var labelsPath: String { datasetDirectory + "-acl.csv" }

    /// The volume of a case: `<dataset>/<plane>/<case>.npy`.
    public func volumePath(case id: String, plane: String = defaultPlane) -> String {
        planeDirectory(plane) + "/" + Self.fileName(case: id)
    }

    /// The ground-truth mask of a case: `<dataset>/acl_mask/<case>.npy`.
    public func maskPath(case id: String) -> String { maskDirectory + "/" + Self.fileName(case: id) }

    /// `<case>.npy`.
    public static func fileName(case id: String) -> String { id + "." + volumeExtension }

    /// The case id of a volume file name (`nil` when it is not a `.npy` file).
    public static func caseID(fileName: String) -> String? {
        let suffix = "." + volumeExtension
        return fileName.hasSuffix(suffix) ? String(fileName.dropLast(suffix.count)) : nil
    }

    /// The ground-truth mask path for a volume path inside this layout
    /// (`<dataset>/<plane>/<case>.npy` → `<dataset>/acl_mask/<case>.npy`).
    public static func maskPath(forVolume path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let dataset = url.deletingLastPathComponent().deletingLastPathComponent()
        return dataset.appendingPathComponent(maskDirectoryName).appendingPathComponent(url.lastPathComponent).path
    }

    /// The labels file's text: one `<case>,<0|1>` line per case, no header (as MRNet's).
    public static func labelsCSV(_ labels: [(case: String, label: Int)]) -> String {
        labels.map { "\($0.case),\($0.label)\n" }.joined()
    }
}
