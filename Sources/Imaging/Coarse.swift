/// Pixel binning for the coarse-to-fine NMF start: each image (row of V) averaged over
/// factor×factor bins (edge bins smaller), and the inverse replication of coarse rows.
struct Coarse {
    let height: Int, width: Int, factor: Int
    let coarseHeight: Int, coarseWidth: Int
    /// m × (coarseHeight·coarseWidth), row-major.
    let data: [Float]
    var columns: Int { coarseHeight * coarseWidth }

    /// nil when the image is too small to bin (fewer than 2 bins per side).
    init?(_ v: [Float], m: Int, height: Int, width: Int, factor: Int) {
        let ch = (height + factor - 1) / factor, cw = (width + factor - 1) / factor
        guard factor > 1, ch >= 2, cw >= 2 else { return nil }
        self.height = height; self.width = width; self.factor = factor
        coarseHeight = ch; coarseWidth = cw
        var out = [Float](repeating: 0, count: m * ch * cw)
        var count = [Float](repeating: 0, count: ch * cw)
        for y in 0..<height { for x in 0..<width { count[(y / factor) * cw + x / factor] += 1 } }
        let binOfX = (0..<width).map { $0 / factor }
        v.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                binOfX.withUnsafeBufferPointer { bx in
                    for i in 0..<m {
                        let s0 = i * height * width, d0 = i * ch * cw
                        for y in 0..<height {
                            let row = src.baseAddress! + s0 + y * width
                            let drow = dst.baseAddress! + d0 + (y / factor) * cw
                            for x in 0..<width { drow[bx[x]] += row[x] }
                        }
                        for c in 0..<(ch * cw) { dst[d0 + c] /= count[c] }
                    }
                }
            }
        }
        data = out
    }

    /// Replicates each coarse value over its bin: rows × (height·width).
    func upsample(_ h: [Float], rows: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * height * width)
        for k in 0..<rows {
            for y in 0..<height {
                let src = k * columns + (y / factor) * coarseWidth
                let dst = k * height * width + y * width
                for x in 0..<width { out[dst + x] = h[src + x / factor] }
            }
        }
        return out
    }
}
