/// Small RGB thumbnails for reports (the full-size preview montage of a 256×256 volume is
/// 2560×768 and compresses poorly; a report inlines dozens of them).
enum Thumbnail {
    /// Area-averages an interleaved RGB image by an integer factor so that its width is at most
    /// `maxWidth` (factor 1 returns the input). Partial blocks at the right/bottom edge are dropped.
    /// - Returns: the new width, height and pixels (row-major RGB).
    static func shrink(rgb: [UInt8], width: Int, height: Int, maxWidth: Int) -> (width: Int, height: Int, rgb: [UInt8]) {
        let f = max(1, (width + maxWidth - 1) / maxWidth)
        if f == 1 { return (width, height, rgb) }
        let w = width / f, h = height / f
        var out = [UInt8](repeating: 0, count: w * h * 3)
        let area = f * f
        for y in 0..<h {
            for x in 0..<w {
                var r = 0, g = 0, b = 0
                for dy in 0..<f {
                    let row = ((y * f + dy) * width + x * f) * 3
                    for dx in 0..<f {
                        r += Int(rgb[row + 3 * dx]); g += Int(rgb[row + 3 * dx + 1]); b += Int(rgb[row + 3 * dx + 2])
                    }
                }
                let o = (y * w + x) * 3
                out[o] = UInt8((r + area / 2) / area); out[o + 1] = UInt8((g + area / 2) / area); out[o + 2] = UInt8((b + area / 2) / area)
            }
        }
        return (w, h, out)
    }
}
