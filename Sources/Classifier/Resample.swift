/// Separable 1-D resampling weights with pixel-centre alignment (align_corners = false).
/// Downsampling averages the source pixels each output pixel covers, weighted by overlap (area
/// interpolation: 256 → 128 is an exact 2×2 mean); upsampling is linear interpolation between
/// the two nearest source centres (edges clamp).
struct ResampleWeights {
    let taps: [(start: Int, weights: [Float])]

    init(from n: Int, to m: Int) {
        precondition(n > 0 && m > 0)
        var taps: [(Int, [Float])] = []
        let scale = Double(n) / Double(m)
        if m <= n {
            for o in 0..<m {
                let a = Double(o) * scale, b = Double(o + 1) * scale
                let i0 = Int(a), i1 = min(n, Int(b.rounded(.up)))
                var w: [Float] = []
                for i in i0..<i1 { w.append(Float((min(b, Double(i + 1)) - max(a, Double(i))) / scale)) }
                taps.append((i0, w))
            }
        } else {
            for o in 0..<m {
                let c = (Double(o) + 0.5) * scale - 0.5
                let lo = Int(c.rounded(.down))
                let f = Float(c - Double(lo))
                let i0 = max(0, min(n - 1, lo)), i1 = max(0, min(n - 1, lo + 1))
                if i0 == i1 { taps.append((i0, [1])) } else { taps.append((i0, [1 - f, f])) }
            }
        }
        self.taps = taps
    }
}

/// Resizes planes (count, h, w) → (count, oh, ow), rows first then columns.
func resizePlanes(_ src: [Float], count: Int, h: Int, w: Int, oh: Int, ow: Int) -> [Float] {
    if h == oh && w == ow { return src }
    let wx = ResampleWeights(from: w, to: ow), wy = ResampleWeights(from: h, to: oh)
    var tmp = [Float](repeating: 0, count: count * h * ow)
    var out = [Float](repeating: 0, count: count * oh * ow)
    src.withUnsafeBufferPointer { s in
        tmp.withUnsafeMutableBufferPointer { t in
            for r in 0..<(count * h) {
                let row = s.baseAddress! + r * w, dst = t.baseAddress! + r * ow
                for (o, tap) in wx.taps.enumerated() {
                    var acc: Float = 0
                    for (k, wt) in tap.weights.enumerated() { acc += wt * row[tap.start + k] }
                    dst[o] = acc
                }
            }
        }
    }
    tmp.withUnsafeBufferPointer { t in
        out.withUnsafeMutableBufferPointer { o in
            for p in 0..<count {
                for (oy, tap) in wy.taps.enumerated() {
                    let dst = o.baseAddress! + (p * oh + oy) * ow
                    for x in 0..<ow { dst[x] = 0 }
                    for (k, wt) in tap.weights.enumerated() {
                        let srow = t.baseAddress! + (p * h + tap.start + k) * ow
                        for x in 0..<ow { dst[x] += wt * srow[x] }
                    }
                }
            }
        }
    }
    return out
}
