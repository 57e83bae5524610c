import Foundation
import Imaging

/// Heat-map overlays of class activation maps on base images, as RGB PNGs.
public enum CAMRenderer {
    /// Blends a heat map over a grayscale image.
    ///
    /// - Parameters:
    ///   - base: h×w intensities (any scale; shown scaled by their 99th percentile, clamped).
    ///   - heat: a map of any size (resampled to h×w); only positive evidence is shown, scaled by
    ///     `heatMax` (default: the map's own maximum).
    ///   - alpha: opacity of the heat colours where the map is at its maximum (0…1).
    /// - Returns: h·w·3 bytes, row-major RGB.
    public static func overlay(base: [Float], width: Int, height: Int, heat: [Float], heatSize: (width: Int, height: Int),
                               heatMax: Float? = nil, alpha: Float = 0.5) -> [UInt8] {
        precondition(base.count == width * height && heat.count == heatSize.width * heatSize.height)
        let hm = resizePlanes(heat, count: 1, h: heatSize.height, w: heatSize.width, oh: height, ow: width)
        let scale = InputPreparation.percentile99(base)
        let top = heatMax ?? hm.max() ?? 0
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let g = scale > 0 ? min(1, max(0, base[i] / scale)) : 0
            let t = top > 0 ? min(1, max(0, hm[i] / top)) : 0
            let (r, gg, b) = jet(t)
            let a = alpha * t
            out[3 * i] = UInt8(((1 - a) * g + a * r) * 255 + 0.5)
            out[3 * i + 1] = UInt8(((1 - a) * g + a * gg) * 255 + 0.5)
            out[3 * i + 2] = UInt8(((1 - a) * g + a * b) * 255 + 0.5)
        }
        return out
    }

    /// The "jet" colour map: blue → cyan → yellow → red for t in 0…1.
    static func jet(_ t: Float) -> (Float, Float, Float) {
        func c(_ x: Float) -> Float { min(1, max(0, x)) }
        return (c(1.5 - abs(4 * t - 3)), c(1.5 - abs(4 * t - 2)), c(1.5 - abs(4 * t - 1)))
    }

    /// Writes `slice_NN.png` for every slice (each slice's own map, one shared heat scale) and
    /// `pooled.png` (the pooled map on the winning slice) into `directory`; maps are drawn inside
    /// the field of view the network saw (`CAMResult.window`), nothing outside it.
    /// - Returns: the paths written, in that order.
    /// - Throws: `ImagingError(.io)` from the PNG writer.
    @discardableResult
    public static func writeOverlays(volume: Volume, cam: CAMResult, directory: String) throws -> [String] {
        let heatTop = max(cam.perSlice.max() ?? 0, 0)
        var paths: [String] = []
        let dir = URL(fileURLWithPath: directory)
        for k in 0..<min(volume.slices, cam.slices) {
            let rgb = overlay(base: volume.slice(k), width: volume.width, height: volume.height,
                              heat: cam.onSlice(cam.map(slice: k), height: volume.height, width: volume.width),
                              heatSize: (volume.width, volume.height), heatMax: heatTop)
            let path = dir.appendingPathComponent(String(format: "slice_%02d.png", k)).path
            try PNGWriter.writeRGB(width: volume.width, height: volume.height, pixels: rgb, to: path)
            paths.append(path)
        }
        let k = min(cam.winningSlice, volume.slices - 1)
        let rgb = overlay(base: volume.slice(k), width: volume.width, height: volume.height,
                          heat: cam.onSlice(cam.pooled, height: volume.height, width: volume.width),
                          heatSize: (volume.width, volume.height))
        let path = dir.appendingPathComponent("pooled.png").path
        try PNGWriter.writeRGB(width: volume.width, height: volume.height, pixels: rgb, to: path)
        paths.append(path)
        return paths
    }
}
