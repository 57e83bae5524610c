import Imaging

/// Turns a raw volume from the imaging chain (K base images, any h×w, float32 intensities of any
/// scale) into the network's input tensor (K, 1, S, S).
///
/// 0. With `cropFraction` f < 1, keep the central round(f·h) × round(f·w) pixels of every slice
///    (at least 1×1; the window starts at ⌊(h − ch)/2⌋, ⌊(w − cw)/2⌋).
/// 1. Resize every slice to S×S (`ResampleWeights`: area averaging down, linear up).
/// 2. Normalise per volume: divide by the volume's 99th percentile (from a 4096-bin histogram
///    between the minimum and the maximum, so within (max − min)/4096 of the exact value) and clamp
///    to [0, 1]. Non-positive or constant volumes map to zeros. Non-finite samples count as 0.
public enum InputPreparation {
    /// - Returns: a (slices, 1, size, size) tensor with values in [0, 1].
    public static func prepare(_ volume: Volume, size: Int, cropFraction: Double = 1) -> Tensor {
        var data = volume.data
        for i in data.indices where !data[i].isFinite { data[i] = 0 }
        var h = volume.height, w = volume.width
        if cropFraction < 1 {
            let ch = max(1, min(h, Int((Double(h) * cropFraction).rounded()))), cw = max(1, min(w, Int((Double(w) * cropFraction).rounded())))
            let y0 = (h - ch) / 2, x0 = (w - cw) / 2
            var cropped = [Float](repeating: 0, count: volume.slices * ch * cw)
            for s in 0..<volume.slices {
                for y in 0..<ch {
                    let src = (s * h + y0 + y) * w + x0, dst = (s * ch + y) * cw
                    for x in 0..<cw { cropped[dst + x] = data[src + x] }
                }
            }
            data = cropped; h = ch; w = cw
        }
        let resized = resizePlanes(data, count: volume.slices, h: h, w: w, oh: size, ow: size)
        let scale = percentile99(resized)
        var out = resized
        if scale > 0 {
            let inv = 1 / scale
            for i in out.indices { out[i] = min(1, max(0, out[i] * inv)) }
        } else {
            for i in out.indices { out[i] = 0 }
        }
        return Tensor(shape: [volume.slices, 1, size, size], data: out)
    }

    /// Upper edge of the histogram bin holding the 99th percentile.
    static func percentile99(_ v: [Float]) -> Float {
        guard var lo = v.first else { return 0 }
        var hi = lo
        for x in v { lo = min(lo, x); hi = max(hi, x) }
        guard hi > lo else { return hi }
        let bins = 4096
        var hist = [Int](repeating: 0, count: bins)
        let k = Float(bins) / (hi - lo)
        for x in v { hist[min(bins - 1, Int((x - lo) * k))] += 1 }
        let target = Int((Double(v.count) * 0.99).rounded(.up))
        var acc = 0
        for b in 0..<bins {
            acc += hist[b]
            if acc >= target { return lo + Float(b + 1) / k }
        }
        return hi
    }
}
