import Foundation

/// An axis-aligned rectangle in world coordinates (mm): u anterior→posterior, v superior→inferior.
struct Box: Sendable {
    var minU: Float, minV: Float, maxU: Float, maxV: Float
    static let infinite = Box(minU: -.infinity, minV: -.infinity, maxU: .infinity, maxV: .infinity)
    func expanded(by r: Float) -> Box { Box(minU: minU - r, minV: minV - r, maxU: maxU + r, maxV: maxV + r) }
    func union(_ o: Box) -> Box {
        Box(minU: min(minU, o.minU), minV: min(minV, o.minV), maxU: max(maxU, o.maxU), maxV: max(maxV, o.maxV))
    }
    func intersection(_ o: Box) -> Box {
        Box(minU: max(minU, o.minU), minV: max(minV, o.minV), maxU: min(maxU, o.maxU), maxV: min(maxV, o.maxV))
    }
}

/// A 2-D shape given by a signed distance in mm (negative inside). Exact or a first-order
/// approximation; only the band within a few mm of the boundary needs to be accurate, since the
/// rasteriser turns distance into anti-aliased coverage over about one pixel.
protocol Shape2D: Sendable {
    func distance(_ u: Float, _ v: Float) -> Float
    /// A conservative bounding box of the inside.
    var bounds: Box { get }
}

/// An ellipse with half-axes `a` (along its rotated u axis) and `b`, rotated by `angle` radians.
struct Ellipse: Shape2D {
    let cu: Float, cv: Float, a: Float, b: Float, c: Float, s: Float
    init(_ cu: Float, _ cv: Float, _ a: Float, _ b: Float, angle: Float = 0) {
        self.cu = cu; self.cv = cv; self.a = max(a, 1e-3); self.b = max(b, 1e-3)
        c = cosf(angle); s = sinf(angle)
    }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float {
        let du = u - cu, dv = v - cv
        let x = c * du + s * dv, y = -s * du + c * dv
        let xa = x / a, yb = y / b
        let k0 = (xa * xa + yb * yb).squareRoot()
        let k1 = ((xa / a) * (xa / a) + (yb / b) * (yb / b)).squareRoot()
        return k1 > 1e-6 ? k0 * (k0 - 1) / k1 : -min(a, b)
    }
    var bounds: Box {
        let ex = ((a * c) * (a * c) + (b * s) * (b * s)).squareRoot()
        let ey = ((a * s) * (a * s) + (b * c) * (b * c)).squareRoot()
        return Box(minU: cu - ex, minV: cv - ey, maxU: cu + ex, maxV: cv + ey)
    }
}

/// A rectangle with half-sizes (hu, hv) and corner radius `r`, rotated by `angle` (exact SDF).
struct RoundedBox: Shape2D {
    let cu: Float, cv: Float, hu: Float, hv: Float, r: Float, c: Float, s: Float
    init(_ cu: Float, _ cv: Float, _ hu: Float, _ hv: Float, radius: Float, angle: Float = 0) {
        self.cu = cu; self.cv = cv; self.hu = max(hu, 1e-3); self.hv = max(hv, 1e-3)
        r = min(radius, min(self.hu, self.hv)); c = cosf(angle); s = sinf(angle)
    }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float {
        let du = u - cu, dv = v - cv
        let qx = abs(c * du + s * dv) - hu + r, qy = abs(-s * du + c * dv) - hv + r
        let ox = max(qx, 0), oy = max(qy, 0)
        return (ox * ox + oy * oy).squareRoot() + min(max(qx, qy), 0) - r
    }
    var bounds: Box {
        let ex = abs(hu * c) + abs(hv * s), ey = abs(hu * s) + abs(hv * c)
        return Box(minU: cu - ex, minV: cv - ey, maxU: cu + ex, maxV: cv + ey)
    }
}

/// A segment from (u0, v0) to (u1, v1) thickened by radius `r` (exact SDF).
struct Capsule: Shape2D {
    let u0: Float, v0: Float, du: Float, dv: Float, invLen2: Float, r: Float
    init(_ u0: Float, _ v0: Float, _ u1: Float, _ v1: Float, radius: Float) {
        self.u0 = u0; self.v0 = v0; du = u1 - u0; dv = v1 - v0
        invLen2 = 1 / max(du * du + dv * dv, 1e-9); r = radius
    }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float {
        let pu = u - u0, pv = v - v0
        let h = min(max((pu * du + pv * dv) * invLen2, 0), 1)
        let x = pu - du * h, y = pv - dv * h
        return (x * x + y * y).squareRoot() - r
    }
    var bounds: Box {
        Box(minU: min(u0, u0 + du) - r, minV: min(v0, v0 + dv) - r,
            maxU: max(u0, u0 + du) + r, maxV: max(v0, v0 + dv) + r)
    }
}

/// The side of a line through (pu, pv) into which the unit normal (nu, nv) points is outside.
struct HalfPlane: Shape2D {
    let pu: Float, pv: Float, nu: Float, nv: Float
    init(through pu: Float, _ pv: Float, outwardAngle: Float) {
        self.pu = pu; self.pv = pv; nu = cosf(outwardAngle); nv = sinf(outwardAngle)
    }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float { (u - pu) * nu + (v - pv) * nv }
    var bounds: Box { .infinite }
}

/// A triangle (vertices in any order); the distance is exact outside near edges and inside.
struct Triangle: Shape2D {
    let p: (Float, Float, Float, Float, Float, Float)
    init(_ a: (Float, Float), _ b: (Float, Float), _ c: (Float, Float)) { p = (a.0, a.1, b.0, b.1, c.0, c.1) }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float {
        let e0 = Capsule(p.0, p.1, p.2, p.3, radius: 0).distance(u, v)
        let e1 = Capsule(p.2, p.3, p.4, p.5, radius: 0).distance(u, v)
        let e2 = Capsule(p.4, p.5, p.0, p.1, radius: 0).distance(u, v)
        let d = min(e0, min(e1, e2))
        // Inside when all edge cross products share a sign.
        let c0 = (p.2 - p.0) * (v - p.1) - (p.3 - p.1) * (u - p.0)
        let c1 = (p.4 - p.2) * (v - p.3) - (p.5 - p.3) * (u - p.2)
        let c2 = (p.0 - p.4) * (v - p.5) - (p.1 - p.5) * (u - p.4)
        let inside = (c0 >= 0 && c1 >= 0 && c2 >= 0) || (c0 <= 0 && c1 <= 0 && c2 <= 0)
        return inside ? -d : d
    }
    var bounds: Box {
        Box(minU: min(p.0, p.2, p.4), minV: min(p.1, p.3, p.5), maxU: max(p.0, p.2, p.4), maxV: max(p.1, p.3, p.5))
    }
}

/// A chain of capsules through control points (a curved band, e.g. the PCL).
struct Band: Shape2D {
    let pieces: [Capsule]
    init(points: [(Float, Float)], radius: Float) {
        var p: [Capsule] = []
        for i in 1..<max(points.count, 1) {
            p.append(Capsule(points[i - 1].0, points[i - 1].1, points[i].0, points[i].1, radius: radius))
        }
        pieces = p
    }
    /// A quadratic Bézier from `a` to `b` bent towards `c`, sampled at `n` + 1 points.
    init(bezier a: (Float, Float), _ c: (Float, Float), _ b: (Float, Float), radius: Float, n: Int = 6) {
        var pts: [(Float, Float)] = []
        for i in 0...n {
            let t = Float(i) / Float(n), w0 = (1 - t) * (1 - t), w1 = 2 * t * (1 - t), w2 = t * t
            pts.append((w0 * a.0 + w1 * c.0 + w2 * b.0, w0 * a.1 + w1 * c.1 + w2 * b.1))
        }
        self.init(points: pts, radius: radius)
    }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float {
        var d = Float.infinity
        for c in pieces { d = min(d, c.distance(u, v)) }
        return d
    }
    var bounds: Box { pieces.reduce(Box(minU: .infinity, minV: .infinity, maxU: -.infinity, maxV: -.infinity)) { $0.union($1.bounds) } }
}

/// The union of two shapes, blended over `k` mm (k = 0: sharp).
struct Union<A: Shape2D, B: Shape2D>: Shape2D {
    let a: A, b: B, k: Float
    init(_ a: A, _ b: B, smooth k: Float = 0) { self.a = a; self.b = b; self.k = k }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float {
        let da = a.distance(u, v), db = b.distance(u, v)
        guard k > 0 else { return min(da, db) }
        let h = min(max(0.5 + 0.5 * (db - da) / k, 0), 1)
        return db + (da - db) * h - k * h * (1 - h)
    }
    var bounds: Box { a.bounds.union(b.bounds).expanded(by: k * 0.25) }
}

/// The intersection of two shapes, its creases rounded over `k` mm (k = 0: sharp).
struct Intersection<A: Shape2D, B: Shape2D>: Shape2D {
    let a: A, b: B, k: Float
    init(_ a: A, _ b: B, smooth k: Float = 0) { self.a = a; self.b = b; self.k = k }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float {
        let da = a.distance(u, v), db = b.distance(u, v)
        guard k > 0 else { return max(da, db) }
        let h = min(max(0.5 - 0.5 * (db - da) / k, 0), 1)
        return db + (da - db) * h + k * h * (1 - h)
    }
    var bounds: Box { a.bounds.intersection(b.bounds) }
}

/// A shape grown by `r` mm (negative: shrunk).
struct Offset<A: Shape2D>: Shape2D {
    let a: A, r: Float
    init(_ a: A, by r: Float) { self.a = a; self.r = r }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float { a.distance(u, v) - r }
    var bounds: Box { a.bounds.expanded(by: max(r, 0)) }
}

/// A convex quadrilateral (vertices in order, either orientation). The distance is the maximum
/// of the signed distances to the four edge lines: exact inside and next to the edges,
/// an underestimate near outside corners (which is what a little rounding needs).
struct Quad: Shape2D {
    let n: [(nu: Float, nv: Float, c: Float)]
    let box: Box
    init(_ p: [(Float, Float)]) {
        var area: Float = 0
        for i in 0..<4 { let a = p[i], b = p[(i + 1) % 4]; area += a.0 * b.1 - b.0 * a.1 }
        let sign: Float = area > 0 ? 1 : -1
        var lines: [(Float, Float, Float)] = []
        for i in 0..<4 {
            let a = p[i], b = p[(i + 1) % 4]
            let du = b.0 - a.0, dv = b.1 - a.1, len = max((du * du + dv * dv).squareRoot(), 1e-6)
            // Outward normal for counter-clockwise order (in u-v with v down: sign handles both).
            let nu = sign * dv / len, nv = -sign * du / len
            lines.append((nu, nv, -(nu * a.0 + nv * a.1)))
        }
        n = lines
        box = Box(minU: p.map(\.0).min()!, minV: p.map(\.1).min()!, maxU: p.map(\.0).max()!, maxV: p.map(\.1).max()!)
    }
    @inline(__always) func distance(_ u: Float, _ v: Float) -> Float {
        var d = -Float.infinity
        for l in n { d = max(d, l.nu * u + l.nv * v + l.c) }
        return d
    }
    var bounds: Box { box }
}
