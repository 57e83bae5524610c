import Foundation
import Imaging

/// Preview images of a case, for looking at the phantom.
public enum PhantomPreview {
    /// The slice with the most ACL voxels (the middle slice when the mask is empty).
    public static func aclSlice(of c: PhantomCase) -> Int {
        let n = c.height * c.width
        var best = c.slices / 2, bestCount = 0
        for s in 0..<c.slices {
            var count = 0
            for i in (s * n)..<((s + 1) * n) where c.aclMask[i] != 0 { count += 1 }
            if count > bestCount { best = s; bestCount = count }
        }
        return best
    }

    /// Writes slice `s` as a grayscale PNG and, when `overlay` is given, an RGB PNG with the ACL
    /// mask's outline in red.
    /// - Throws: `ImagingError` when a file cannot be written; `PhantomError(.argument)` for a
    ///   slice outside the volume.
    public static func write(_ c: PhantomCase, slice s: Int, gray: String, overlay: String? = nil) throws {
        guard (0..<c.slices).contains(s) else { throw PhantomError(.argument, "slice \(s) outside 0..<\(c.slices)") }
        let n = c.height * c.width, w = c.width, h = c.height
        let pixels = Array(c.volume[(s * n)..<((s + 1) * n)])
        try PNGWriter.writeGray(width: w, height: h, pixels: pixels, to: gray)
        guard let overlay else { return }
        var rgb = [UInt8](repeating: 0, count: n * 3)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x, m = c.aclMask[s * n + i] != 0
                var edge = false
                if m {
                    for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                        let xx = x + dx, yy = y + dy
                        if xx < 0 || yy < 0 || xx >= w || yy >= h || c.aclMask[s * n + yy * w + xx] == 0 { edge = true }
                    }
                }
                let g = pixels[i]
                rgb[3 * i] = edge ? 255 : g; rgb[3 * i + 1] = edge ? 40 : g; rgb[3 * i + 2] = edge ? 40 : g
            }
        }
        try PNGWriter.writeRGB(width: w, height: h, pixels: rgb, to: overlay)
    }
}
