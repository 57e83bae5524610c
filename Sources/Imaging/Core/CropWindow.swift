/// A rectangle of an image plane: rows y0 ..< y0 + height, columns x0 ..< x0 + width. The
/// classifier's field of view on every slice of a volume.
public struct CropWindow: Codable, Sendable, Equatable, CustomStringConvertible {
    public var y0: Int
    public var x0: Int
    public var height: Int
    public var width: Int

    public init(y0: Int, x0: Int, height: Int, width: Int) {
        self.y0 = y0; self.x0 = x0; self.height = height; self.width = width
    }

    /// The whole h×w plane.
    public static func whole(height: Int, width: Int) -> CropWindow { CropWindow(y0: 0, x0: 0, height: height, width: width) }

    /// The crop size for a fraction f of each side: round(f·h) × round(f·w), at least 1×1 and at
    /// most the plane.
    static func size(height: Int, width: Int, fraction: Double) -> (Int, Int) {
        (max(1, min(height, Int((Double(height) * fraction).rounded()))),
         max(1, min(width, Int((Double(width) * fraction).rounded()))))
    }

    /// The central crop: starts at ⌊(h − ch)/2⌋, ⌊(w − cw)/2⌋.
    public static func centred(height: Int, width: Int, fraction: Double) -> CropWindow {
        let (ch, cw) = size(height: height, width: width, fraction: fraction)
        return CropWindow(y0: (height - ch) / 2, x0: (width - cw) / 2, height: ch, width: cw)
    }

    /// A crop of the same size as `centred`, centred on the centroid of the foreground (the
    /// mean row and column of its non-zero pixels, rounded down to the window's start) and moved
    /// inside the plane where it would cross an edge. With an empty foreground: `centred`.
    /// - Parameter mask: height×width bytes, row-major; non-zero = foreground.
    public static func aroundForeground(_ mask: [UInt8], height: Int, width: Int, fraction: Double) -> CropWindow {
        let (ch, cw) = size(height: height, width: width, fraction: fraction)
        guard mask.count == height * width else { return centred(height: height, width: width, fraction: fraction) }
        var sy = 0, sx = 0, n = 0
        for y in 0..<height {
            let row = y * width
            for x in 0..<width where mask[row + x] != 0 { sy += y; sx += x; n += 1 }
        }
        guard n > 0 else { return centred(height: height, width: width, fraction: fraction) }
        // Centroid (pixel centres at k + ½) minus half the window, rounded down.
        let cy = (Double(sy) / Double(n) + 0.5) - Double(ch) / 2, cx = (Double(sx) / Double(n) + 0.5) - Double(cw) / 2
        let y0 = min(max(Int(cy.rounded(.down)), 0), height - ch), x0 = min(max(Int(cx.rounded(.down)), 0), width - cw)
        return CropWindow(y0: y0, x0: x0, height: ch, width: cw)
    }

    /// A crop of the same size as `centred`, centred on pixel (row, column) (the window starts
    /// half its size before it, rounded down) and moved inside the plane where it would cross
    /// an edge.
    public static func around(row: Int, column: Int, height: Int, width: Int, fraction: Double) -> CropWindow {
        let (ch, cw) = size(height: height, width: width, fraction: fraction)
        let y0 = min(max(row - ch / 2, 0), height - ch), x0 = min(max(column - cw / 2, 0), width - cw)
        return CropWindow(y0: y0, x0: x0, height: ch, width: cw)
    }

    /// Whether the window lies inside an h×w plane and is not empty.
    public func fits(height h: Int, width w: Int) -> Bool {
        height >= 1 && width >= 1 && y0 >= 0 && x0 >= 0 && y0 + height <= h && x0 + width <= w
    }

    /// Every slice of `volume` cut to the window (which must fit).
    public func crop(_ volume: Volume) -> Volume {
        precondition(fits(height: volume.height, width: volume.width), "crop window \(self) outside \(volume.height)×\(volume.width)")
        if y0 == 0 && x0 == 0 && height == volume.height && width == volume.width { return volume }
        var out = [Float](repeating: 0, count: volume.slices * height * width)
        volume.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for s in 0..<volume.slices {
                    for y in 0..<height {
                        let from = (s * volume.height + y0 + y) * volume.width + x0, to = (s * height + y) * width
                        for x in 0..<width { dst[to + x] = src[from + x] }
                    }
                }
            }
        }
        return try! Volume(slices: volume.slices, height: height, width: width, data: out)
    }

    public var description: String { "\(height)×\(width) at (\(y0), \(x0))" }
}
