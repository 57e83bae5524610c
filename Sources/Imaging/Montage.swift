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
        func put(_ row: Int, _ tile: Int, _ p: Int, _ c: (UInt8, UInt8, UInt8)) {
            let y = gap + row * (h + gap) + p / w
            let x = gap + tile * (w + gap) + p % w
            let o = (y * width + x) * 3
            rgb[o] = c.0; rgb[o + 1] = c.1; rgb[o + 2] = c.2
        }
        for t in 0..<k {
            var top: Float = 0
            for p in 0..<px { top = max(top, r.base.data[t * px + p]) }
            let s: Float = top > 0 ? 255 / top : 0
            for p in 0..<px {
                let b = UInt8(min(max(r.base.data[t * px + p] * s, 0), 255))
                put(0, t, p, (b, b, b))
                let n = UInt8(r.normalized.data[t * px + p] / 3)
                put(1, t, p, r.masks[t * px + p] != 0 ? (n / 2, 120 + n, n / 2) : (n, n, n))
                let sv = r.segmented.data[t * px + p]
                if sv > 0 {
                    let v = UInt8(min(sv, 255))
                    put(2, t, p, (255, UInt8(min(Int(v) / 2 + 80, 255)), v / 4))
                } else {
                    put(2, t, p, (n, n, n))
                }
            }
        }
        return (width, height, rgb)
    }
}
