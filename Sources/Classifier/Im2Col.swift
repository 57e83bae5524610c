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

    /// Fills `cols`. Each input plane is first copied into a zero-bordered scratch plane
    /// ((h + 2p) × (w + 2p)), so the inner loops are branch-free strided copies.
    static func im2col(_ x: UnsafePointer<Float>, n: Int, c: Int, h: Int, w: Int, k: Int, s: Int, pad: Int,
                       oh: Int, ow: Int, cols: UnsafeMutablePointer<Float>) {
        let p = oh * ow, np = n * p
        // Rows of the padded plane that any window touches: (oh − 1)·s + k ≤ h + 2·pad.
        let ph = max(h + 2 * pad, (oh - 1) * s + k), pw = max(w + 2 * pad, (ow - 1) * s + k)
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: ph * pw)
        defer { padded.deallocate() }
        padded.initialize(repeating: 0, count: ph * pw)
        for ch in 0..<c {
            for img in 0..<n {
                let src = x + (img * c + ch) * h * w
                for y in 0..<h {
                    let d = padded + (y + pad) * pw + pad, r = src + y * w
                    for xx in 0..<w { d[xx] = r[xx] }
                }
                for i in 0..<k {
                    for j in 0..<k {
                        let dst = cols + ((ch * k + i) * k + j) * np + img * p
                        for oy in 0..<oh {
                            let prow = padded + (oy * s + i) * pw + j
                            let d = dst + oy * ow
                            if s == 1 {
                                for ox in 0..<ow { d[ox] = prow[ox] }
                            } else {
                                for ox in 0..<ow { d[ox] = prow[ox * s] }
                            }
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
