import Imaging

/// Class activation maps of one volume (Zhou et al. 2016): the last block's maps weighted by
/// the linear layer's weights, upsampled (linear interpolation) to the network input size S.
public struct CAMResult: Sendable {
    /// Input side S; every map is S×S, row-major.
    public let size: Int
    public let slices: Int
    /// Per slice k: Σ_c w_c·F[k, c] (K×S×S). Its spatial mean plus the bias is slice k's logit.
    public let perSlice: [Float]
    /// The map of the pooled decision: channel c taken from the slice that won its max,
    /// Σ_c w_c·F[winner(c), c] (S×S). Its spatial mean plus the bias is the volume's logit.
    public let pooled: [Float]
    /// Per-slice logits (as if that slice were the whole volume).
    public let sliceLogits: [Double]
    /// The slice with the highest logit (the one to show the pooled map on).
    public let winningSlice: Int
    /// P(ACL tear) of the volume.
    public let probability: Double
    /// The field of view the maps cover, in the volume's pixel coordinates.
    public let window: CropWindow

    /// A map (S×S over the window) placed on the whole h×w slice: resampled to the window's
    /// size, zero outside it.
    public func onSlice(_ map: [Float], height: Int, width: Int) -> [Float] {
        precondition(map.count == size * size && window.fits(height: height, width: width))
        let inWindow = resizePlanes(map, count: 1, h: size, w: size, oh: window.height, ow: window.width)
        var out = [Float](repeating: 0, count: height * width)
        for y in 0..<window.height {
            for x in 0..<window.width { out[(window.y0 + y) * width + window.x0 + x] = inWindow[y * window.width + x] }
        }
        return out
    }

    /// Row and column (in the volume's pixel coordinates) of the pooled map's maximum: where the
    /// network found the most evidence for a tear.
    public func pooledPeak(height: Int, width: Int) -> (y: Int, x: Int) {
        let full = onSlice(pooled, height: height, width: width)
        var best = -Float.infinity, at = 0
        for y in window.y0..<(window.y0 + window.height) {
            for x in window.x0..<(window.x0 + window.width) where full[y * width + x] > best { best = full[y * width + x]; at = y * width + x }
        }
        return (at / width, at % width)
    }

    /// One slice's map (S×S).
    public func map(slice k: Int) -> [Float] { Array(perSlice[(k * size * size)..<((k + 1) * size * size)]) }
}

extension Model {
    /// Class activation maps for a raw volume, in evaluation mode, over `window` (default: the
    /// architecture's centred crop; use `window(for:foreground:)` for a foreground-centred model).
    public func cam(_ volume: Volume, window: CropWindow? = nil) -> CAMResult {
        precondition(window != nil || architecture.cropCentre == .image,
                     "a model centred on the \(architecture.cropCentre) needs its window: use window(for:landmarks:)")
        let win = window ?? .centred(height: volume.height, width: volume.width, fraction: architecture.cropFraction)
        let x = InputPreparation.prepare(volume, size: inputSize, window: win, encoding: architecture.inputEncoding)
        let f = network.features(x, training: false)
        let k = f.shape[0], c = f.shape[1], h = f.shape[2], w = f.shape[3], p = h * w
        let weights = network.fc.weight.value, bias = Double(network.fc.bias.value[0])
        var maps = [Float](repeating: 0, count: k * p)
        var gapFeat = [Float](repeating: 0, count: k * c)   // the pooled feature of slice s, channel c
        let maxPool = architecture.spatialPool == .max
        for s in 0..<k {
            for ch in 0..<c {
                let wc = weights[ch]
                var sum: Float = 0, top = -Float.infinity
                for i in 0..<p {
                    let v = f.data[(s * c + ch) * p + i]
                    maps[s * p + i] += wc * v
                    sum += v; top = max(top, v)
                }
                gapFeat[s * c + ch] = maxPool ? top : sum / Float(p)
            }
        }
        var pooled = [Float](repeating: 0, count: p)
        for ch in 0..<c {
            var win = 0
            for s in 1..<k where gapFeat[s * c + ch] > gapFeat[win * c + ch] { win = s }
            for i in 0..<p { pooled[i] += weights[ch] * f.data[(win * c + ch) * p + i] }
        }
        let sliceLogits = (0..<k).map { s in
            (0..<c).reduce(0.0) { $0 + Double(weights[$1]) * Double(gapFeat[s * c + $1]) } + bias
        }
        let winner = sliceLogits.indices.max { sliceLogits[$0] < sliceLogits[$1] } ?? 0
        var logit = bias
        for ch in 0..<c { logit += Double(weights[ch]) * Double((0..<k).map { gapFeat[$0 * c + ch] }.max() ?? 0) }
        let size = inputSize
        return CAMResult(size: size, slices: k,
                         perSlice: resizePlanes(maps, count: k, h: h, w: w, oh: size, ow: size),
                         pooled: resizePlanes(pooled, count: 1, h: h, w: w, oh: size, ow: size),
                         sliceLogits: sliceLogits, winningSlice: winner,
                         probability: SigmoidBCE.sigmoid(logit), window: win)
    }
}
