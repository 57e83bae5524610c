import CImagingKernels

extension Morphology {
    /// Binary closing (dilation, then erosion) with a (2r+1)×(2r+1) square, on a copy padded by r
    /// background pixels on every side (scipy `binary_closing` of `np.pad(mask, r)`, cropped):
    /// the image border does not erode what touches it. Non-zero bytes count as foreground;
    /// the result is 0/1.
    /// Runs in `kf_close_square` (the same running counts in C, the column pass row by row);
    /// `closeReference` is the definition and the fallback when scratch memory runs out.
    public static func close(_ mask: inout [UInt8], height: Int, width: Int, radius r: Int) {
        guard r > 0, height > 0, width > 0, mask.count == height * width else { return }
        if r < 16_000, mask.withUnsafeMutableBufferPointer({ kf_close_square($0.baseAddress!, height, width, r) }) == 0 { return }
        closeReference(&mask, height: height, width: width, radius: r)
    }

    /// `close` in Swift.
    static func closeReference(_ mask: inout [UInt8], height: Int, width: Int, radius r: Int) {
        guard r > 0, height > 0, width > 0, mask.count == height * width else { return }
        let ph = height + 2 * r, pw = width + 2 * r
        var padded = [UInt8](repeating: 0, count: ph * pw)
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] != 0 { padded[(y + r) * pw + x + r] = 1 }
        }
        let dilated = squareFilter(padded, height: ph, width: pw, radius: r, all: false)
        let closed = squareFilter(dilated, height: ph, width: pw, radius: r, all: true)
        for y in 0..<height {
            for x in 0..<width { mask[y * width + x] = closed[(y + r) * pw + x + r] }
        }
    }

    /// Separable (2r+1)² square filter on a 0/1 image: `all == false` is a dilation (any pixel
    /// of the window set), `all == true` an erosion (every pixel of the window set; pixels
    /// outside the image count as unset). Running window counts: O(pixels), independent of r.
    static func squareFilter(_ src: [UInt8], height: Int, width: Int, radius r: Int, all: Bool) -> [UInt8] {
        let need = all ? 2 * r + 1 : 1
        var rows = [UInt8](repeating: 0, count: src.count)
        for y in 0..<height {
            let row = y * width
            var count = 0
            for x in 0..<min(r, width) { count += Int(src[row + x]) }
            for x in 0..<width {
                if x + r < width { count += Int(src[row + x + r]) }
                if x - r - 1 >= 0 { count -= Int(src[row + x - r - 1]) }
                rows[row + x] = count >= need ? 1 : 0
            }
        }
        var out = [UInt8](repeating: 0, count: src.count)
        for x in 0..<width {
            var count = 0
            for y in 0..<min(r, height) { count += Int(rows[y * width + x]) }
            for y in 0..<height {
                if y + r < height { count += Int(rows[(y + r) * width + x]) }
                if y - r - 1 >= 0 { count -= Int(rows[(y - r - 1) * width + x]) }
                out[y * width + x] = count >= need ? 1 : 0
            }
        }
        return out
    }
}
