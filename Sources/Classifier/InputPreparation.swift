import Imaging

/// Turns a raw volume from the imaging chain (K base images, any h×w, float32 intensities of any
/// scale) into the network's input tensor (K, 1, S, S).
///
/// 0. Keep a window of every slice: with `cropFraction` f < 1 the central round(f·h) × round(f·w)
///    pixels (at least 1×1; the window starts at ⌊(h − ch)/2⌋, ⌊(w − cw)/2⌋), or any
///    `CropWindow` (e.g. one centred on the knee, `Architecture.cropCentre == .foreground`).
/// 1. Resize every slice to S×S (`ResampleWeights`: area averaging down, linear up).
/// 2. Normalise per volume (`.intensity` encoding; `.support` maps non-zero samples to 1 first
///    and skips this step): divide by the volume's 99th percentile (from a 4096-bin histogram
///    between the minimum and the maximum, so within (max − min)/4096 of the exact value) and clamp
///    to [0, 1]. Non-positive or constant volumes map to zeros. Non-finite samples count as 0.
public enum InputPreparation {
    /// - Returns: a (slices, 1, size, size) tensor with values in [0, 1].
    public static func prepare(_ volume: Volume, size: Int, cropFraction: Double = 1) -> Tensor {
        prepare(volume, size: size, window: .centred(height: volume.height, width: volume.width, fraction: cropFraction))
    }

    /// The network input of `volume` for an architecture: its window (see `window`), size and
    /// encoding.
    /// - Throws: `ClassifierError(.argument)` when the architecture's landmark is missing.
    public static func prepare(_ volume: Volume, architecture a: Architecture, landmarks: KneeLandmarks?) throws -> Tensor {
        prepare(volume, size: a.inputSize, window: try window(for: volume, architecture: a, landmarks: landmarks), encoding: a.inputEncoding)
    }

    /// `prepare` with an explicit window (which must lie inside the slices). With the `.support`
    /// encoding every non-zero finite sample becomes 1 before resizing (so after resizing a
    /// pixel holds the share of its area the segmentation kept) and no percentile scaling follows.
    public static func prepare(_ volume: Volume, size: Int, window: CropWindow,
                               encoding: Architecture.InputEncoding = .intensity) -> Tensor {
        let cropped = window.crop(volume)
        var data = cropped.data
        for i in data.indices where !data[i].isFinite { data[i] = 0 }
        if encoding == .support { for i in data.indices { data[i] = data[i] != 0 ? 1 : 0 } }
        let resized = resizePlanes(data, count: volume.slices, h: cropped.height, w: cropped.width, oh: size, ow: size)
        if encoding == .support { return Tensor(shape: [volume.slices, 1, size, size], data: resized) }
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

    /// The window an architecture takes from a volume: centred on the image, on the centroid of
    /// the foreground mask (`.foreground`), or on the joint-line anchor (`.joint`).
    /// - Throws: `ClassifierError(.argument)` when the landmark the architecture centres on is
    ///   missing or does not fit the volume's plane.
    public static func window(for volume: Volume, architecture a: Architecture, landmarks: KneeLandmarks?) throws -> CropWindow {
        let h = volume.height, w = volume.width
        switch a.cropCentre {
        case .image:
            return .centred(height: h, width: w, fraction: a.cropFraction)
        case .foreground:
            guard let fg = landmarks?.foreground, fg.count == h * w else {
                throw ClassifierError(.argument, "the model centres its field of view on the knee's foreground: a \(h)×\(w) foreground mask is needed (got \(landmarks?.foreground.map { "\($0.count) pixels" } ?? "none"))")
            }
            return .aroundForeground(fg, height: h, width: w, fraction: a.cropFraction)
        case .joint:
            guard let p = landmarks?.anchor, (0..<h).contains(p.row), (0..<w).contains(p.column) else {
                throw ClassifierError(.argument, "the model centres its field of view on the knee's joint line: the volume's anchor is needed (got \(landmarks?.anchor.map { "row \($0.row), column \($0.column)" } ?? "none") for \(h)×\(w))")
            }
            // The notch and the ligament lie above the joint line: two thirds of the window above
            // the anchor row, one third below.
            let ch = CropWindow.centred(height: h, width: w, fraction: a.cropFraction).height
            return .around(row: p.row - ch / 6, column: p.column, height: h, width: w, fraction: a.cropFraction)
        }
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
