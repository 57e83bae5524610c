/// Resampling of a whole volume: along the slice axis (to a fixed slice count) and in-plane
/// (to a smaller height × width).
extension Volume {
    /// The volume linearly interpolated along the slice axis to exactly `k` slices.
    ///
    /// Endpoints are aligned ("align corners"): output slice `j` samples source position
    /// `t = j · (slices − 1) / (k − 1)`, blending slices ⌊t⌋ and ⌊t⌋+1 with weights 1−(t−⌊t⌋)
    /// and t−⌊t⌋; so the first and last slices are kept exactly and a volume linear in the slice
    /// index stays linear. With `k == 1` the single output is the middle position
    /// `(slices − 1) / 2`; with one source slice every output is a copy of it.
    /// - Throws: `ImagingError(.argument)` when `k < 1`.
    public func resampledSlices(to k: Int) throws -> Volume {
        guard k >= 1 else { throw ImagingError(.argument, "slice count must be at least 1, got \(k)") }
        if k == slices { return self }
        let n = sliceSize
        var out = [Float](repeating: 0, count: k * n)
        out.withUnsafeMutableBufferPointer { dst in
            data.withUnsafeBufferPointer { src in
                for j in 0..<k {
                    let t = k == 1 ? Double(slices - 1) / 2 : Double(j) * Double(slices - 1) / Double(k - 1)
                    let lo = min(Int(t), slices - 1), hi = min(lo + 1, slices - 1)
                    let f = Float(t - Double(lo)), g = 1 - f
                    let a = lo * n, b = hi * n, o = j * n
                    for p in 0..<n { dst[o + p] = g * src[a + p] + f * src[b + p] }
                }
            }
        }
        return try Volume(slices: k, height: height, width: width, data: out)
    }

    /// Each slice reduced to `height × width` by area averaging: output pixel (Y, X) is the
    /// mean of the source over the rectangle it covers, [Y·r, (Y+1)·r) × [X·c, (X+1)·c) with
    /// r = self.height / height, c = self.width / width, partially covered source pixels
    /// weighted by the covered fraction. Equivalently: replicate every source pixel
    /// `height × width` times and average blocks of `self.height × self.width`. Integer factors
    /// give plain block means; the mean of every slice is preserved (up to float rounding).
    /// Separable: rows, then columns. Float32 accumulation (relative error ~1e-6).
    /// - Throws: `ImagingError(.argument)` unless `1 ≤ height ≤ self.height` and
    ///   `1 ≤ width ≤ self.width` (this is a reduction, not an enlargement).
    public func downsampled(height newHeight: Int, width newWidth: Int) throws -> Volume {
        guard (1...height).contains(newHeight), (1...width).contains(newWidth) else {
            throw ImagingError(.argument, "cannot area-average \(height)×\(width) to \(newHeight)×\(newWidth)")
        }
        if newHeight == height && newWidth == width { return self }
        let cols = AreaWeights(from: width, to: newWidth)
        let rows = AreaWeights(from: height, to: newHeight)
        var out = [Float](repeating: 0, count: slices * newHeight * newWidth)
        var tmp = [Float](repeating: 0, count: height * newWidth)
        out.withUnsafeMutableBufferPointer { dst in
            tmp.withUnsafeMutableBufferPointer { mid in
                data.withUnsafeBufferPointer { src in
                    for s in 0..<slices {
                        let inBase = s * sliceSize
                        for y in 0..<height {
                            for x in 0..<newWidth {
                                mid[y * newWidth + x] = cols.apply(x) { src[inBase + y * width + $0] }
                            }
                        }
                        let outBase = s * newHeight * newWidth
                        for y in 0..<newHeight {
                            for x in 0..<newWidth {
                                dst[outBase + y * newWidth + x] = rows.apply(y) { mid[$0 * newWidth + x] }
                            }
                        }
                    }
                }
            }
        }
        return try Volume(slices: slices, height: newHeight, width: newWidth, data: out)
    }
}

/// Area-averaging weights for one axis, from `n` source pixels to `m ≤ n` output pixels,
/// computed in integers: output o covers [o·n, (o+1)·n) and source i covers [i·m, (i+1)·m) in
/// units of 1/m source pixel; the weight is the overlap length divided by n.
struct AreaWeights {
    /// First source index of each output pixel.
    private var first: [Int] = []
    /// Output o's weights are `weights[offsets[o]..<offsets[o + 1]]`.
    private var offsets: [Int] = [0]
    private var weights: [Float] = []

    init(from n: Int, to m: Int) {
        for o in 0..<m {
            let lo = o * n, hi = (o + 1) * n
            let i0 = lo / m, i1 = (hi - 1) / m
            first.append(i0)
            for i in i0...i1 { weights.append(Float(min(hi, (i + 1) * m) - max(lo, i * m)) / Float(n)) }
            offsets.append(weights.count)
        }
    }

    @inline(__always)
    func apply(_ o: Int, _ value: (Int) -> Float) -> Float {
        var sum: Float = 0
        let i0 = first[o], start = offsets[o]
        for k in 0..<(offsets[o + 1] - start) { sum += weights[start + k] * value(i0 + k) }
        return sum
    }
}
