import Imaging

/// One labelled volume for training: a case id, the raw K×h×w base images from the imaging
/// chain, and the label (1 = ACL tear, 0 = intact).
public struct TrainingSample: Sendable {
    public var id: String
    public var input: Volume
    public var label: Int
    /// SHA-256 (hex) of the file the volume came from, when the caller knows it; otherwise the
    /// trainer hashes the float32 samples.
    public var sha256: String?
    /// Where the imaging chain found the knee (foreground mask, joint anchor), needed when the
    /// architecture centres its field of view on one of them.
    public var landmarks: KneeLandmarks?

    public init(id: String, input: Volume, label: Int, sha256: String? = nil, landmarks: KneeLandmarks? = nil) {
        self.id = id; self.input = input; self.label = label; self.sha256 = sha256; self.landmarks = landmarks
    }
}

/// Training hyper-parameters. Defaults are the ones `kneeflow train` uses.
public struct TrainOptions: Sendable {
    public var architecture: Architecture = .default
    /// Maximum number of epochs (early stopping may end sooner).
    public var epochs: Int = 12
    /// Volumes per optimiser step.
    public var batchSize: Int = 8
    /// Peak learning rate; a cosine schedule decays it to `learningRate · finalLearningRateFraction`.
    public var learningRate: Float = 1e-3
    public var finalLearningRateFraction: Float = 0.05
    /// AdamW decoupled weight decay on conv / linear weights.
    public var weightDecay: Float = 1e-4
    /// Fraction of each class held out (stratified, seeded) for validation AUC and early stopping.
    public var validationFraction: Double = 0.2
    /// Epochs without a better validation AUC (ties: lower validation loss) before stopping; the
    /// best epoch's weights are kept.
    public var patience: Int = 4
    public var seed: UInt64 = 0
    /// Worker threads (each runs OpenBLAS single-threaded). Results are deterministic for a
    /// given seed and thread count.
    public var threads: Int = 2
    public var augmentation: Augmentation = Augmentation()
    /// SHA-256 of the pipeline configuration that produced the inputs (recorded in the model).
    public var pipelineConfigSHA256: String?

    public init() {}

    /// - Throws: `ClassifierError(.argument)` for out-of-range values.
    public func validate() throws {
        try architecture.validate()
        guard epochs >= 1, batchSize >= 1, threads >= 1, threads <= 64, patience >= 1 else {
            throw ClassifierError(.argument, "epochs, batch size, patience and threads must be ≥ 1 (threads ≤ 64)")
        }
        guard learningRate > 0, learningRate.isFinite, weightDecay >= 0, finalLearningRateFraction > 0,
              finalLearningRateFraction <= 1 else {
            throw ClassifierError(.argument, "learning rate \(learningRate) / weight decay \(weightDecay) out of range")
        }
        guard validationFraction >= 0, validationFraction < 1 else {
            throw ClassifierError(.argument, "validation fraction \(validationFraction) not in [0, 1)")
        }
    }
}

/// One epoch of the learning curve.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var learningRate: Double
    public var trainLoss: Double
    /// Validation AUC (nil without a two-class validation split).
    public var validationAUC: Double?
    public var validationLoss: Double?
    public var seconds: Double
}

/// The result of `Training.train`: the model (best epoch's weights, metadata filled in) and the
/// learning curve.
public struct TrainedModel {
    public let model: Model
    public let history: [EpochRecord]
    public let bestEpoch: Int
    public let validationAUC: Double?
    public let trainingIDs: [String]
    public let validationIDs: [String]
}
