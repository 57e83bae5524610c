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

    /// What the ground truth says of one job (each nil where it does not apply).
    struct Measures {
        /// Share of the projected ACL kept by the segmentation (see the type's documentation).
        var retention: Double?
        /// Share of the projected ACL inside the foreground (any base image's mask).
        var coverage: Double?
        /// Whether the class-activation peak lies on the ligament: within `camRadius` pixels
        /// (Chebyshev distance) of a pixel that any slice of the ACL mask marks.
        var camPeakOnACL: Bool?
    }

    /// How far (pixels) a CAM peak may lie from the marked ligament and still count as on it:
    /// the maps come from an 8× coarser grid, so a few pixels of slack.
    static let camRadius = 5

    /// The measures of one job, or nil when the cohort has no ground truth for its input.
    /// - Throws: `JobError.permanent` when a ground-truth mask exists but is unreadable or does
    ///   not match the segmented images' in-plane size.
    ///   A mask is read like the input: confined to `inputRoot` (`ConfinedFile`), at most
    ///   `budget` bytes; one that resolves outside it is refused (`JobError.inputRefused`).
    /// - Parameters:
    ///   - segmented: the segmented base images; `foreground`: their foreground union (h×w).
    static func measure(inputPath: String, inputRoot: String, budget: Int, segmented seg: Volume, foreground fg: [UInt8],
                        camPeak: (y: Int, x: Int)?) throws -> Measures? {
        guard let path = maskPath(forInput: inputPath) else { return nil }
        let mask: Volume
        do {
            let bytes = try ConfinedFile.read(path, under: inputRoot, budget: budget)
            mask = try VolumeReader.read(bytes: bytes, name: path).volume
        } catch let e as CommonError where e.code == .refused || e.code == .tooLarge {
            throw JobError.inputRefused("groundtruth: mask \(path): \(e)")
        } catch {
            throw JobError.permanent("groundtruth: mask \(path): \(error)")
        }
        guard mask.height == seg.height, mask.width == seg.width else {
            throw JobError.permanent("groundtruth: mask \(path) is \(mask.height)×\(mask.width), volume slices are \(seg.height)×\(seg.width)")
        }
        let acl = GroundTruthMeasures.project(mask)
        let total = acl.filter { $0 }.count
        let inside = zip(acl, fg).filter { $0.0 && $0.1 != 0 }.count
        return Measures(retention: retention(mask: mask, segmented: seg),
                        coverage: total > 0 ? Double(inside) / Double(total) : nil,
                        camPeakOnACL: camPeak.map { peakOnLigament(acl, height: mask.height, width: mask.width, peak: $0, radius: camRadius) })
    }

    /// Whether a marked pixel lies within `radius` (Chebyshev) of `peak`.
    static func peakOnLigament(_ acl: [Bool], height: Int, width: Int, peak: (y: Int, x: Int), radius: Int) -> Bool {
        for y in max(0, peak.y - radius)...min(height - 1, peak.y + radius) {
            for x in max(0, peak.x - radius)...min(width - 1, peak.x + radius) where acl[y * width + x] { return true }
        }
        return false
    }

    /// The pure computation (see the type's documentation).
    static func retention(mask: Volume, segmented seg: Volume) -> Double? {
        let n = seg.sliceSize
        let acl = GroundTruthMeasures.project(mask)
        var total = 0, kept = 0
        for i in 0..<n where acl[i] {
            total += 1
            for k in 0..<seg.slices where seg.data[k * n + i] != 0 { kept += 1; break }
        }
        return total == 0 ? nil : Double(kept) / Double(total)
    }
}
