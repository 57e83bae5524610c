import Common
import Foundation
import Imaging

/// A trained (or freshly initialised) classifier: the network in evaluation mode plus string
/// metadata, stored as a safetensors file.
///
/// Not thread-safe (the network keeps activation caches): use one `Model` per thread, e.g.
/// `Model.load` in each worker.
public final class Model {
    public let network: Network
    /// Provenance and training facts (seed, epochs, validation AUC, learning curve JSON, data and
    /// pipeline-config SHA-256s …). `save` adds `format`, `architecture` and `input_size`.
    public var metadata: [String: String]

    /// Metadata value identifying KneeFlow classifier files.
    public static let formatName = "kneeflow-classifier"

    public init(network: Network, metadata: [String: String] = [:]) {
        self.network = network; self.metadata = metadata
    }

    public var architecture: Architecture { network.architecture }

    /// Side of the square network input (pixels).
    public var inputSize: Int { network.architecture.inputSize }

    /// Crop (when the architecture says so), resize and normalise a raw K×h×w volume into the
    /// network input (K, 1, S, S); see
    /// `InputPreparation`.
    /// A model that centres on a knee landmark needs it: use `prepare(_:landmarks:)` style calls
    /// (`predict(_:landmarks:)`, `cam(_:window:)` with `window(for:landmarks:)`); calling this one
    /// for such a model is a programming error.
    public func prepare(_ volume: Volume) -> Tensor {
        precondition(architecture.cropCentre == .image, "a model centred on the \(architecture.cropCentre) needs the volume's landmarks")
        return InputPreparation.prepare(volume, size: inputSize,
                                 window: .centred(height: volume.height, width: volume.width, fraction: architecture.cropFraction),
                                 encoding: architecture.inputEncoding)
    }

    /// The field of view this model takes from `volume` (see `InputPreparation.window`).
    /// - Throws: `ClassifierError(.argument)` when the model centres on a landmark that is not
    ///   given.
    public func window(for volume: Volume, landmarks: KneeLandmarks?) throws -> CropWindow {
        try InputPreparation.window(for: volume, architecture: network.architecture, landmarks: landmarks)
    }

    /// P(ACL tear) with the field of view taken around the knee's landmarks when the model asks
    /// for it.
    public func predict(_ volume: Volume, landmarks: KneeLandmarks?) throws -> Double {
        predict(prepared: try InputPreparation.prepare(volume, architecture: architecture, landmarks: landmarks))
    }

    /// P(ACL tear) for one raw volume (any slice count ≥ 1, any h×w).
    public func predict(_ volume: Volume) -> Double { predict(prepared: prepare(volume)) }

    /// P(ACL tear) for an already prepared tensor (K, 1, S, S).
    public func predict(prepared x: Tensor) -> Double {
        var rng = SplitMix64(seed: 0)   // unused in evaluation mode
        return SigmoidBCE.sigmoid(Double(network.forward(x, training: false, rng: &rng)))
    }

    /// All tensors by name (parameters and batch-norm buffers).
    public func tensors() -> [String: SafeTensors.Entry] {
        var out: [String: SafeTensors.Entry] = [:]
        for p in network.parameters { out[p.name] = .init(shape: p.shape, values: p.value) }
        for b in network.buffers { out[b.name] = .init(shape: [b.value.count], values: b.value) }
        return out
    }

    /// The file's bytes: tensors plus `metadata` merged with `extra` (extra wins) and the
    /// architecture keys.
    public func encode(metadata extra: [String: String] = [:]) -> [UInt8] {
        var meta = metadata.merging(extra) { _, new in new }
        meta["format"] = Self.formatName
        meta["architecture"] = architecture.json()
        meta["input_size"] = String(inputSize)
        return SafeTensors.encode(tensors(), metadata: meta)
    }

    /// Writes the model atomically as safetensors.
    /// - Throws: `ClassifierError(.io)`.
    public func save(path: String, metadata extra: [String: String] = [:]) throws {
        do { try AtomicFile.write(encode(metadata: extra), to: path) } catch {
            throw ClassifierError(.io, "cannot write model: \(error)", file: path)
        }
    }

    /// Reads a model file written by `save` (or by anyone producing the same tensors).
    /// - Throws: `ClassifierError` — `.io` (unreadable), the safetensors codes of
    ///   `SafeTensors.decode`, `.architecture` (metadata missing / invalid), `.missingTensor`,
    ///   `.unexpectedTensor`, `.shape` (a tensor's shape differs from the architecture's),
    ///   `.value` (non-finite weights).
    public static func load(path: String) throws -> Model {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClassifierError(.io, "cannot read model file", file: path)
        }
        return try decode([UInt8](data), file: path)
    }

    /// Parses model bytes; see `load(path:)`.
    public static func decode(_ bytes: [UInt8], file: String? = nil) throws -> Model {
        let (tensors, metadata) = try SafeTensors.decode(bytes, file: file)
        guard let archJSON = metadata["architecture"] else {
            throw ClassifierError(.architecture, "metadata has no \"architecture\" entry", file: file)
        }
        let arch: Architecture
        do { arch = try Architecture.parse(json: archJSON) } catch let e as ClassifierError {
            throw ClassifierError(e.code, e.message, file: file)
        }
        let net = try Network(architecture: arch, seed: 0)
        var expected = Set<String>()
        func fill(_ name: String, _ shape: [Int], _ assign: ([Float]) -> Void) throws {
            expected.insert(name)
            guard let t = tensors[name] else { throw ClassifierError(.missingTensor, "tensor \(name) is missing", file: file) }
            guard t.shape == shape else {
                throw ClassifierError(.shape, "tensor \(name) has shape \(t.shape), the architecture needs \(shape)", file: file)
            }
            guard t.values.allSatisfy(\.isFinite) else { throw ClassifierError(.value, "tensor \(name) has non-finite values", file: file) }
            assign(t.values)
        }
        for p in net.parameters { try fill(p.name, p.shape) { p.value = $0 } }
        for b in net.buffers { try fill(b.name, [b.value.count]) { b.value = $0 } }
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw ClassifierError(.unexpectedTensor, "tensor \(extra) is not part of the architecture", file: file)
        }
        return Model(network: net, metadata: metadata)
    }
}
