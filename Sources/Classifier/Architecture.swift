import Common
import Foundation

/// The network's shape, recorded as JSON in every model file (`__metadata__["architecture"]`).
///
/// Per slice: for each block, conv(k×k, stride, padding k/2, no bias) → batch norm → ReLU →
/// optional 2×2 max-pool (stride 2); then global average pool → max over the volume's slices →
/// dropout → linear(C → 1) → sigmoid.
public struct Architecture: Codable, Sendable, Equatable {
    /// One convolutional block.
    public struct Block: Codable, Sendable, Equatable {
        public var channels: Int
        public var kernel: Int
        public var stride: Int
        public var pool: Bool
        public init(channels: Int, kernel: Int, stride: Int, pool: Bool) {
            self.channels = channels; self.kernel = kernel; self.stride = stride; self.pool = pool
        }
    }

    /// Identifies the family of networks this code builds; loading refuses other names.
    public var name: String
    /// Side of the square input each slice is resized to (pixels).
    public var inputSize: Int
    /// Number of input channels per slice (1: one base image per slice).
    public var inputChannels: Int
    public var blocks: [Block]
    /// Dropout probability before the linear layer (training only).
    public var dropout: Float
    /// Which statistics batch norm uses at inference.
    public var batchNorm: BatchNormStatistics
    /// Central part of each slice kept before resizing to `inputSize`, as a fraction of its
    /// height and of its width (0 < f ≤ 1; 1 = the whole slice, the default). A smaller field of
    /// view spares the network the search for the intercondylar notch among look-alikes (see
    /// ops/classifier-diagnosis/README.md). Stored in the model file only when below 1, so
    /// default models and files written before the option stay byte-identical and load.
    public var cropFraction: Double
    /// Where the crop of `cropFraction` is centred: on the image centre (the default); on the
    /// centroid of the volume's foreground mask, the knee found by the imaging chain
    /// (`CropWindow.aroundForeground`); or on the joint line under the knee's centre
    /// (`KneeAnchor`), next to the notch the ACL runs in. With the last two the field of view
    /// follows the knee wherever the scan put it. Stored in the model file only when not `.image`.
    public var cropCentre: CropCentre

    /// See `cropCentre`.
    public enum CropCentre: String, Codable, Sendable { case image, foreground, joint }

    /// What the network reads of each input sample: its intensity (divided by the volume's 99th
    /// percentile, the default) or its support, 1 where the sample is non-zero and 0 elsewhere.
    /// The support suits the segmented base images: the kept clusters are the darkest tissue, so
    /// as intensities the most telling pixels (an intact, dark ligament) come out near 0, beside
    /// the zeros of everything the segmentation dropped; as support every kept pixel counts
    /// alike, and the input no longer depends on a site's contrast. Stored only when `.support`.
    public var inputEncoding: InputEncoding
    public enum InputEncoding: String, Codable, Sendable { case intensity, support }

    /// How each slice's feature maps become one feature vector: their spatial average (MRNet's
    /// global average pool, the default) or maximum. Stored in the model file only when `.max`.
    public var spatialPool: SpatialPool
    public enum SpatialPool: String, Codable, Sendable { case average, max }

    /// Batch-norm statistics at inference. A training batch is one volume (its slices), so with
    /// `.volume` the network computes the same function in training and inference: each volume
    /// is normalised by its own slices' statistics. With `.running` (classic) inference uses the
    /// running averages, which differ from any single volume's statistics; on data where volumes
    /// differ in overall level after input normalisation that mismatch can even invert the
    /// ranking (seen on the toy set in ModelTests), hence `.volume` is the default. Running
    /// statistics are tracked and saved either way.
    /// `.off` removes the normalisation (a per-channel scale and shift in training and inference):
    /// a volume's features are then not forced to the same per-channel mean and variance, so
    /// global pooling keeps how much of a pattern a volume holds.
    public enum BatchNormStatistics: String, Codable, Sendable { case volume, running, off }

    public static let familyName = "kneeflow-mrnet-lite-v1"

    public init(inputSize: Int, blocks: [Block], dropout: Float = 0.5, inputChannels: Int = 1,
                batchNorm: BatchNormStatistics = .volume, cropFraction: Double = 1, cropCentre: CropCentre = .image,
                spatialPool: SpatialPool = .average, inputEncoding: InputEncoding = .intensity) {
        self.name = Self.familyName; self.inputSize = inputSize; self.inputChannels = inputChannels
        self.blocks = blocks; self.dropout = dropout; self.batchNorm = batchNorm; self.cropFraction = cropFraction
        self.cropCentre = cropCentre; self.spatialPool = spatialPool; self.inputEncoding = inputEncoding
    }

    enum CodingKeys: String, CodingKey { case name, inputSize, inputChannels, blocks, dropout, batchNorm, cropFraction, cropCentre, spatialPool, inputEncoding }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        inputSize = try c.decode(Int.self, forKey: .inputSize)
        inputChannels = try c.decode(Int.self, forKey: .inputChannels)
        blocks = try c.decode([Block].self, forKey: .blocks)
        dropout = try c.decode(Float.self, forKey: .dropout)
        batchNorm = try c.decode(BatchNormStatistics.self, forKey: .batchNorm)
        cropFraction = try c.decodeIfPresent(Double.self, forKey: .cropFraction) ?? 1
        cropCentre = try c.decodeIfPresent(CropCentre.self, forKey: .cropCentre) ?? .image
        spatialPool = try c.decodeIfPresent(SpatialPool.self, forKey: .spatialPool) ?? .average
        inputEncoding = try c.decodeIfPresent(InputEncoding.self, forKey: .inputEncoding) ?? .intensity
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(inputSize, forKey: .inputSize)
        try c.encode(inputChannels, forKey: .inputChannels); try c.encode(blocks, forKey: .blocks)
        try c.encode(dropout, forKey: .dropout); try c.encode(batchNorm, forKey: .batchNorm)
        if cropFraction != 1 { try c.encode(cropFraction, forKey: .cropFraction) }
        if cropCentre != .image { try c.encode(cropCentre, forKey: .cropCentre) }
        if spatialPool != .average { try c.encode(spatialPool, forKey: .spatialPool) }
        if inputEncoding != .intensity { try c.encode(inputEncoding, forKey: .inputEncoding) }
    }

    /// The default network: 128×128 input; an AlexNet-like 7×7 stride-4 stem, then channels
    /// 32→64→128→256→256; 1.92 GFLOP forward per 10-slice volume. Sized with
    /// `kneeflow bench classifier`: the convolutions are large enough for sgemm to run near its
    /// peak, and 300 volumes still train in well under a minute per epoch on two cores.
    public static let `default` = Architecture(inputSize: 128, blocks: [
        Block(channels: 32, kernel: 7, stride: 4, pool: false),   // 128 → 32
        Block(channels: 64, kernel: 3, stride: 1, pool: true),    // 32 → 16
        Block(channels: 128, kernel: 3, stride: 1, pool: true),   // 16 → 8
        Block(channels: 256, kernel: 3, stride: 1, pool: false),  // 8
        Block(channels: 256, kernel: 3, stride: 1, pool: false),  // 8
    ], dropout: 0.5)

    /// Feature channels entering the linear layer.
    public var featureChannels: Int { blocks.last?.channels ?? inputChannels }

    /// Spatial size after each block for the configured input size.
    public func spatialSizes() -> [Int] {
        var s = inputSize, out: [Int] = []
        for b in blocks {
            s = (s + 2 * (b.kernel / 2) - b.kernel) / b.stride + 1
            if b.pool { s = (s - 2) / 2 + 1 }
            out.append(s)
        }
        return out
    }

    /// Checks that the description builds a network.
    /// - Throws: `ClassifierError(.architecture)` naming the problem.
    public func validate() throws {
        guard name == Self.familyName else {
            throw ClassifierError(.architecture, "unknown architecture family \"\(name)\" (expected \(Self.familyName))")
        }
        guard (8...4096).contains(inputSize), (1...16).contains(inputChannels), !blocks.isEmpty, blocks.count <= 16 else {
            throw ClassifierError(.architecture, "input size \(inputSize), channels \(inputChannels), \(blocks.count) blocks out of range")
        }
        guard dropout >= 0, dropout < 1 else { throw ClassifierError(.architecture, "dropout \(dropout) not in [0, 1)") }
        guard cropFraction > 0, cropFraction <= 1 else {
            throw ClassifierError(.architecture, "crop fraction \(cropFraction) not in (0, 1]")
        }
        var s = inputSize
        for (i, b) in blocks.enumerated() {
            guard (1...4096).contains(b.channels), (1...11).contains(b.kernel), (1...4).contains(b.stride) else {
                throw ClassifierError(.architecture, "block \(i + 1): channels \(b.channels), kernel \(b.kernel), stride \(b.stride) out of range")
            }
            s = (s + 2 * (b.kernel / 2) - b.kernel) / b.stride + 1
            if b.pool { s = (s - 2) / 2 + 1 }
            guard s >= 1 else { throw ClassifierError(.architecture, "block \(i + 1): feature map shrinks to nothing") }
        }
    }

    /// Canonical JSON (sorted keys) as stored in the model file.
    public func json() -> String {
        (try? CanonicalJSON.string(self)) ?? "{}"
    }

    /// Parses and validates the JSON stored in a model file.
    public static func parse(json: String) throws -> Architecture {
        let a: Architecture
        do { a = try JSONDecoder().decode(Architecture.self, from: Data(json.utf8)) } catch {
            throw ClassifierError(.architecture, "architecture metadata is not valid: \(error)")
        }
        try a.validate()
        return a
    }
}
