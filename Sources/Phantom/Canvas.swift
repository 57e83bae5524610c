import Foundation

/// Maps pixel centres of a square slice to world coordinates (mm) and back: the knee's position
/// and in-plane rotation in the image. World u runs anterior→posterior, v superior→inferior.
struct Frame: Sendable {
    let size: Int
    let pixelMM: Float
    /// World coordinates of the image centre.
    let centreU: Float, centreV: Float
    let c: Float, s: Float

    init(size: Int, fovMM: Float, centreU: Float, centreV: Float, rotation: Float) {
        self.size = size; pixelMM = fovMM / Float(size)
        self.centreU = centreU; self.centreV = centreV
        c = cosf(rotation); s = sinf(rotation)
    }

    /// World (u, v) of pixel (x, y)'s centre.
    @inline(__always) func world(_ x: Float, _ y: Float) -> (Float, Float) {
        let h = Float(size) / 2
        let px = (x + 0.5 - h) * pixelMM, py = (y + 0.5 - h) * pixelMM
        return (centreU + c * px - s * py, centreV + s * px + c * py)
    }

    /// Continuous pixel coordinates of a world point.
    func pixel(_ u: Float, _ v: Float) -> (Float, Float) {
        let du = u - centreU, dv = v - centreV
        let h = Float(size) / 2
        return ((c * du + s * dv) / pixelMM + h - 0.5, (-s * du + c * dv) / pixelMM + h - 0.5)
    }

    /// The pixel rectangle (half-open) covering a world box, clipped to the image.
    func pixelRange(_ b: Box, margin: Float) -> (x0: Int, x1: Int, y0: Int, y1: Int)? {
        let bb = b.expanded(by: margin)
        let lo = Float(-1), hi = Float(size + 1)
        guard bb.minU.isFinite, bb.maxU.isFinite, bb.minV.isFinite, bb.maxV.isFinite else {
            return (0, size, 0, size)
        }
        var minX = Float.infinity, maxX = -Float.infinity, minY = Float.infinity, maxY = -Float.infinity
        for (u, v) in [(bb.minU, bb.minV), (bb.maxU, bb.minV), (bb.minU, bb.maxV), (bb.maxU, bb.maxV)] {
            let (x, y) = pixel(u, v)
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
        }
        let x0 = Int(max(lo, minX.rounded(.down))), x1 = Int(min(hi, maxX.rounded(.up))) + 1
        let y0 = Int(max(lo, minY.rounded(.down))), y1 = Int(min(hi, maxY.rounded(.up))) + 1
        let cx0 = max(x0, 0), cx1 = min(x1, size), cy0 = max(y0, 0), cy1 = min(y1, size)
        return cx0 < cx1 && cy0 < cy1 ? (cx0, cx1, cy0, cy1) : nil
    }
}

/// One slice being painted: relative signal and ACL coverage, back to front, with anti-aliased
/// edges (coverage = clamp(½ − distance / edge, 0, 1), edge ≥ one pixel).
struct Canvas {
    let frame: Frame
    /// Signal, row-major size × size.
    var signal: [Float]
    /// ACL coverage 0…1, row-major size × size.
    var acl: [Float]
    /// Edge width in mm (soft tissue boundaries are a little smoother than a pixel).
    let edgeMM: Float

    init(frame: Frame, background: Float = 0) {
        self.frame = frame
        signal = [Float](repeating: background, count: frame.size * frame.size)
        acl = [Float](repeating: 0, count: frame.size * frame.size)
        edgeMM = max(frame.pixelMM, 0.8)
    }

    /// Clears signal and ACL coverage for the next slice (keeps the storage).
    mutating func reset() {
        for i in signal.indices { signal[i] = 0; acl[i] = 0 }
    }

    /// Visits every pixel of the shape's bounding box with its coverage `a` (skipping zeros) and
    /// signed distance `d` (mm). Works on a quadtree of square tiles (32 px down to 4 px): a tile
    /// whose centre is further from the boundary than its half-diagonal (times a safety factor
    /// 1.5 for the approximate distances) plus the edge and `innerMargin` is entirely outside
    /// (skipped) or entirely inside (every pixel gets a = 1 and d = −∞, i.e. deeper inside than
    /// `innerMargin`); otherwise it is split, and 4-px tiles are evaluated pixel by pixel.
    @inline(__always)
    private static func forEachCovered<S: Shape2D>(_ shape: S, frame: Frame, edgeMM: Float, innerMargin: Float = 0,
                                                   _ body: (Int, Float, Float) -> Void) {
        guard let r = frame.pixelRange(shape.bounds, margin: edgeMM + frame.pixelMM) else { return }
        let invEdge = 1 / edgeMM
        let n = frame.size
        func visit(_ tx: Int, _ ty: Int, _ tile: Int) {
            let x1 = min(tx + tile, r.x1), y1 = min(ty + tile, r.y1)
            guard tx < x1, ty < y1 else { return }
            let reach = Float(tile) * 0.5 * 1.4143 * frame.pixelMM * 1.5 + edgeMM
            let (cu, cv) = frame.world(Float(tx) + Float(tile) / 2 - 0.5, Float(ty) + Float(tile) / 2 - 0.5)
            let dc = shape.distance(cu, cv)
            if dc > reach { return }
            if dc < -(reach + innerMargin) {
                for y in ty..<y1 { for x in tx..<x1 { body(y * n + x, 1, -.greatestFiniteMagnitude) } }
                return
            }
            if tile > 4 {
                let h = tile / 2
                visit(tx, ty, h); visit(tx + h, ty, h); visit(tx, ty + h, h); visit(tx + h, ty + h, h)
                return
            }
            for y in ty..<y1 {
                for x in tx..<x1 {
                    let (u, v) = frame.world(Float(x), Float(y))
                    let d = shape.distance(u, v)
                    let a = min(max(0.5 - d * invEdge, 0), 1)
                    if a > 0 { body(y * n + x, a, d) }
                }
            }
        }
        for ty in stride(from: r.y0, to: r.y1, by: 32) {
            for tx in stride(from: r.x0, to: r.x1, by: 32) { visit(tx, ty, 32) }
        }
    }

    /// Paints a uniform tissue of signal `value`, with `opacity` (the slice's partial-volume
    /// fraction of the structure).
    mutating func paint<S: Shape2D>(_ shape: S, _ value: Float, opacity: Float = 1) {
        guard opacity > 0.001 else { return }
        let f = frame, e = edgeMM
        signal.withUnsafeMutableBufferPointer { sig in
            Canvas.forEachCovered(shape, frame: f, edgeMM: e) { i, a, _ in
                let w = a * opacity
                sig[i] += w * (value - sig[i])
            }
        }
    }

    /// Multiplies the signal inside the shape by `factor` (bias-like local changes: marrow edema).
    mutating func scale<S: Shape2D>(_ shape: S, by factor: Float, opacity: Float = 1) {
        guard opacity > 0.001 else { return }
        let f = frame, e = edgeMM
        signal.withUnsafeMutableBufferPointer { sig in
            Canvas.forEachCovered(shape, frame: f, edgeMM: e) { i, a, _ in sig[i] *= 1 + a * opacity * (factor - 1) }
        }
    }

    /// Paints a bone: a dark cortical rim of thickness `cortexMM` around bright marrow.
    mutating func paintBone<S: Shape2D>(_ shape: S, marrow: Float, cortex: Float, cortexMM: Float,
                                        opacity: Float = 1) {
        guard opacity > 0.001 else { return }
        let invEdge = 1 / edgeMM
        let f = frame, e = edgeMM
        signal.withUnsafeMutableBufferPointer { sig in
            Canvas.forEachCovered(shape, frame: f, edgeMM: e, innerMargin: cortexMM) { i, a, d in
                let inner = min(max(0.5 - (d + cortexMM) * invEdge, 0), 1)
                let value = cortex + (marrow - cortex) * (inner / a)
                sig[i] += a * opacity * (value - sig[i])
            }
        }
    }

    /// Adds ACL coverage (max of the existing coverage and this shape's).
    mutating func markACL<S: Shape2D>(_ shape: S, opacity: Float = 1) {
        guard opacity > 0.001 else { return }
        let f = frame, e = edgeMM
        acl.withUnsafeMutableBufferPointer { m in
            Canvas.forEachCovered(shape, frame: f, edgeMM: e) { i, a, _ in m[i] = max(m[i], a * opacity) }
        }
    }
}

/// Partial-volume fraction of a slab [lo, hi] (mm, medial–lateral) within a slice centred at `z`
/// with thickness `t`: the overlap length over `t`, between 0 and 1.
@inline(__always)
func slabFraction(z: Float, thickness t: Float, lo: Float, hi: Float) -> Float {
    let overlap = min(z + t / 2, hi) - max(z - t / 2, lo)
    return min(max(overlap / t, 0), 1)
}

/// Profile of an ellipsoid-like structure centred at `c` with half-width `w` along z: 1 at the
/// centre, falling to 0 at ±w (the cross-section shrinks towards its edges).
@inline(__always)
func roundProfile(z: Float, centre c: Float, halfWidth w: Float) -> Float {
    let t = (z - c) / w
    return t * t >= 1 ? 0 : (1 - t * t).squareRoot()
}
