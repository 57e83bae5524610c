import CImagingKernels

/// Pixel binning for the coarse-to-fine NMF start: each image (row of V) averaged over
/// factor×factor bins (edge bins smaller), and the replication of a coarser level's rows onto a
/// finer grid.
struct Coarse {
    let height: Int, width: Int, factor: Int
    let coarseHeight: Int, coarseWidth: Int
    /// m × (coarseHeight·coarseWidth), row-major.
    let data: [Float]
    var columns: Int { coarseHeight * coarseWidth }

    /// nil when the image is too small to bin (fewer than 2 bins per side).
    init?(_ v: [Float], m: Int, height: Int, width: Int, factor: Int) {
        guard let (ch, cw) = Self.grid(height: height, width: width, factor: factor) else { return nil }
        var out = [Float](repeating: 0, count: m * ch * cw)
        var scratch = [Float](repeating: 0, count: m * width)
        kf_bin(v, Int32(m), Int32(height), Int32(width), Int32(factor), &out, &scratch, Int32(max(1, BLAS.threads)))
        self.init(binned: out, height: height, width: width, factor: factor)
    }

    /// A level from data already binned as `kf_bin` does (m × grid cells).
    init(binned: [Float], height: Int, width: Int, factor: Int) {
        self.height = height; self.width = width; self.factor = factor
        coarseHeight = (height + factor - 1) / factor; coarseWidth = (width + factor - 1) / factor
        data = binned
    }

    /// The binned grid (rows, columns), or nil when it has fewer than 2 bins per side.
    static func grid(height: Int, width: Int, factor: Int) -> (Int, Int)? {
        let ch = (height + factor - 1) / factor, cw = (width + factor - 1) / factor
        guard factor > 1, ch >= 2, cw >= 2 else { return nil }
        return (ch, cw)
    }

    /// Replicates each value of this level's `rows` × columns matrix over its bin on the grid of
    /// `finer` (a level whose factor divides this one's), or on full resolution when nil:
    /// rows × (finer.columns or height·width).
    func upsample(_ h: [Float], rows: Int, to finer: Coarse? = nil) -> [Float] {
        let f2 = finer?.factor ?? 1
        let th = finer?.coarseHeight ?? height, tw = finer?.coarseWidth ?? width
        var out = [Float](repeating: 0, count: rows * th * tw)
        var scratch = [Int32](repeating: 0, count: tw)
        kf_replicate(h, Int32(rows), Int32(coarseHeight), Int32(coarseWidth), Int32(factor), &out, Int32(th), Int32(tw), Int32(f2),
                     Int32(max(1, BLAS.threads)), &scratch)
        return out
    }
}
