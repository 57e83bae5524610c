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

    /// Batch-norm statistics at inference. A training batch is one volume (its slices), so with
    /// `.volume` the network computes the same function in training and inference: each volume
    /// is normalised by its own slices' statistics. With `.running` (classic) inference uses the
    /// running averages, which differ from any single volume's statistics; on data where volumes
    /// differ in overall level after input normalisation that mismatch can even invert the
    /// ranking (seen on the toy set in ModelTests), hence `.volume` is the default. Running
    /// statistics are tracked and saved either way.
    public enum BatchNormStatistics: String, Codable, Sendable { case volume, running }

    public static let familyName = "kneeflow-mrnet-lite-v1"

    public init(inputSize: Int, blocks: [Block], dropout: Float = 0.5, inputChannels: Int = 1,
                batchNorm: BatchNormStatistics = .volume) {
        self.name = Self.familyName; self.inputSize = inputSize; self.inputChannels = inputChannels
        self.blocks = blocks; self.dropout = dropout; self.batchNorm = batchNorm
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
