import Common
import Foundation
import Imaging
import Queue

/// How much of the ACL the kept clusters retain, measured against the ground-truth mask that
/// the synthetic cohort writes beside each volume (`<dataset>/acl_mask/<case>.npy` for
/// `<dataset>/<plane>/<case>.npy`).
///
/// Base images are mixtures over slices, so the 3-D mask is projected onto the sagittal plane
/// (a pixel belongs to the ACL if any slice marks it); the retention is the fraction of those
/// pixels that are non-zero in at least one segmented base image.
enum ACLRetention {
    /// The ground-truth mask path for an input path, if the layout matches.
    static func maskPath(forInput inputPath: String) -> String? {
        let candidate = CohortLayout.maskPath(forVolume: inputPath)
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    /// Retention in [0, 1], or nil when there is no ground truth or it marks no pixel.
    /// - Throws: `JobError.permanent` when a ground-truth mask exists but is unreadable or does
    ///   not match the segmented images' in-plane size.
    static func measure(inputPath: String, result: PreprocessResult) throws -> Double? {
        guard let path = maskPath(forInput: inputPath) else { return nil }
        let mask: Volume
        do { mask = try VolumeReader.read(path: path).volume } catch {
            throw JobError.permanent("groundtruth: mask \(path): \(error)")
        }
        let seg = result.segmented
        guard mask.height == seg.height, mask.width == seg.width else {
            throw JobError.permanent("groundtruth: mask \(path) is \(mask.height)×\(mask.width), volume slices are \(seg.height)×\(seg.width)")
        }
        return retention(mask: mask, segmented: seg)
    }

    /// The pure computation (see the type's documentation).
    static func retention(mask: Volume, segmented seg: Volume) -> Double? {
        let n = seg.sliceSize
        var acl = [Bool](repeating: false, count: n)
        for s in 0..<mask.slices { for i in 0..<n where mask.data[s * n + i] > 0 { acl[i] = true } }
        var total = 0, kept = 0
        for i in 0..<n where acl[i] {
            total += 1
            for k in 0..<seg.slices where seg.data[k * n + i] != 0 { kept += 1; break }
        }
        return total == 0 ? nil : Double(kept) / Double(total)
    }
}
