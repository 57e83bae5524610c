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
        for i in 0..<m {
            let src = i * height * width, dst = i * ch * cw
            for y in 0..<height {
                let cy = (y / factor) * cw
                for x in 0..<width { out[dst + cy + x / factor] += v[src + y * width + x] }
            }
            for c in 0..<(ch * cw) { out[dst + c] /= count[c] }
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
