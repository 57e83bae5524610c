/// im2col / col2im for square kernels over a whole NCHW batch. The column matrix has one row per
/// (channel, ky, kx) and one column per (image, oy, ox): `cols[row * (N·OH·OW) + img·OH·OW + oy·OW + ox]`.
enum Im2Col {
    /// Valid output-column range [lo, hi) for kernel column offset `j`: those ox with
    /// 0 ≤ ox·s − pad + j < w.
    @inline(__always)
    static func validRange(offset j: Int, s: Int, pad: Int, size w: Int, out ow: Int) -> (Int, Int) {
        // ox·s ≥ pad − j  and  ox·s ≤ w − 1 + pad − j
        let a = pad - j
        let lo = a <= 0 ? 0 : (a + s - 1) / s
        let b = w - 1 + pad - j
        let hi = b < 0 ? 0 : min(ow, b / s + 1)
        return (min(lo, hi), hi)
    }

    static func im2col(_ x: UnsafePointer<Float>, n: Int, c: Int, h: Int, w: Int, k: Int, s: Int, pad: Int,
                       oh: Int, ow: Int, cols: UnsafeMutablePointer<Float>) {
        let p = oh * ow, np = n * p
        for ch in 0..<c {
            for i in 0..<k {
                for j in 0..<k {
                    let row = cols + ((ch * k + i) * k + j) * np
                    let (lo, hi) = validRange(offset: j, s: s, pad: pad, size: w, out: ow)
                    for img in 0..<n {
                        let src = x + (img * c + ch) * h * w
                        let dstImg = row + img * p
                        for oy in 0..<oh {
                            let dst = dstImg + oy * ow
                            let iy = oy * s - pad + i
                            if iy < 0 || iy >= h || lo >= hi {
                                dst.update(repeating: 0, count: ow)
                                continue
                            }
                            if lo > 0 { dst.update(repeating: 0, count: lo) }
                            let srow = src + iy * w - pad + j
                            if s == 1 {
                                (dst + lo).update(from: srow + lo, count: hi - lo)
                            } else {
                                for ox in lo..<hi { dst[ox] = srow[ox * s] }
                            }
                            if hi < ow { (dst + hi).update(repeating: 0, count: ow - hi) }
                        }
                    }
                }
            }
        }
    }

    /// Adds the columns back into `dx` (which the caller zeroes).
    static func col2im(_ cols: UnsafePointer<Float>, n: Int, c: Int, h: Int, w: Int, k: Int, s: Int, pad: Int,
                       oh: Int, ow: Int, dx: UnsafeMutablePointer<Float>) {
        let p = oh * ow, np = n * p
        for ch in 0..<c {
            for i in 0..<k {
                for j in 0..<k {
                    let row = cols + ((ch * k + i) * k + j) * np
                    let (lo, hi) = validRange(offset: j, s: s, pad: pad, size: w, out: ow)
                    if lo >= hi { continue }
                    for img in 0..<n {
                        let dstImg = dx + (img * c + ch) * h * w
                        let srcImg = row + img * p
                        for oy in 0..<oh {
                            let iy = oy * s - pad + i
                            if iy < 0 || iy >= h { continue }
                            let src = srcImg + oy * ow
                            let drow = dstImg + iy * w - pad + j
                            if s == 1 {
                                for ox in lo..<hi { drow[ox] += src[ox] }
                            } else {
                                for ox in lo..<hi { drow[ox * s] += src[ox] }
                            }
                        }
                    }
                }
            }
        }
    }
}
