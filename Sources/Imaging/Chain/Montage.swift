/// A preview of one chain run: three rows of K tiles — base images (each scaled by its own
/// maximum), foreground masks over the dimmed normalised image, and the segmentation (kept
/// pixels in their intensity, tinted orange, over the dimmed normalised image).
public enum Montage {
    /// Gap between tiles, pixels.
    static let gap = 4

    /// The RGB montage (row-major, interleaved RGB) of a result.
    public static func preview(_ r: PreprocessResult) -> (width: Int, height: Int, rgb: [UInt8]) {
        let k = r.base.slices, h = r.base.height, w = r.base.width, px = h * w
        let width = k * w + (k + 1) * gap
        let height = 3 * h + 4 * gap
        var rgb = [UInt8](repeating: 24, count: width * height * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            r.base.data.withUnsafeBufferPointer { base in
                r.normalized.data.withUnsafeBufferPointer { norm in
                    r.segmented.data.withUnsafeBufferPointer { seg in
                        r.masks.withUnsafeBufferPointer { mask in
                            for t in 0..<k {
                                var top: Float = 0
                                for p in (t * px)..<((t + 1) * px) { top = max(top, base[p]) }
                                let s: Float = top > 0 ? 255 / top : 0
                                for y in 0..<h {
                                    let src = t * px + y * w, x0 = gap + t * (w + gap)
                                    // the three rows' first pixel of this image row
                                    let o0 = ((gap + y) * width + x0) * 3
                                    let o1 = ((gap + (h + gap) + y) * width + x0) * 3
                                    let o2 = ((gap + 2 * (h + gap) + y) * width + x0) * 3
                                    for x in 0..<w {
                                        let p = src + x, c = 3 * x
                                        let b = UInt8(min(max(base[p] * s, 0), 255))
                                        out[o0 + c] = b; out[o0 + c + 1] = b; out[o0 + c + 2] = b
                                        let n = UInt8(norm[p] / 3)
                                        if mask[p] != 0 {
                                            out[o1 + c] = n / 2; out[o1 + c + 1] = 120 + n; out[o1 + c + 2] = n / 2
                                        } else {
                                            out[o1 + c] = n; out[o1 + c + 1] = n; out[o1 + c + 2] = n
                                        }
                                        let sv = seg[p]
                                        if sv > 0 {
                                            let v = UInt8(min(sv, 255))
                                            out[o2 + c] = 255; out[o2 + c + 1] = UInt8(min(Int(v) / 2 + 80, 255)); out[o2 + c + 2] = v / 4
                                        } else {
                                            out[o2 + c] = n; out[o2 + c + 1] = n; out[o2 + c + 2] = n
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (width, height, rgb)
    }
}
