import CBLAS
import Common
import Dispatch
import Foundation
import Imaging

/// The training entry point used by `kneeflow train` (and later `--from-run`).
public enum Training {
    /// Trains the network on labelled volumes.
    ///
    /// Split: stratified, seeded hold-out of `validationFraction` per class. Loss: sigmoid BCE with
    /// positive-class weight n₋/n₊ from the training labels, averaged over each mini-batch.
    /// Optimiser: AdamW, cosine learning-rate decay per epoch. Each epoch reshuffles (seeded); each
    /// volume's augmentation and dropout come from a generator seeded by (seed, epoch, sample), so
    /// they do not depend on the thread that runs it. The mini-batch's volumes are dealt
    /// round-robin to `threads` network replicas with their own gradient buffers, summed in
    /// replica order: deterministic for a given seed and thread count.
    ///
    /// - Parameter log: receives one progress line per epoch (callers print it to stderr).
    /// - Throws: `ClassifierError(.argument)` for bad options, labels other than 0/1, fewer than
    ///   one sample of each class for training, or duplicate ids.
    public static func train(samples: [TrainingSample], options: TrainOptions,
                             log: (String) -> Void) throws -> TrainedModel {
        try options.validate()
        guard samples.count >= 2 else { throw ClassifierError(.argument, "need at least 2 samples, got \(samples.count)") }
        if let bad = samples.first(where: { $0.label != 0 && $0.label != 1 }) {
            throw ClassifierError(.argument, "case \(bad.id): label \(bad.label) is not 0 or 1")
        }
        guard Set(samples.map(\.id)).count == samples.count else { throw ClassifierError(.argument, "duplicate case ids") }
        let arch = options.architecture
        let (trainIdx, valIdx) = split(samples, fraction: options.validationFraction, seed: options.seed)
        let nPos = trainIdx.filter { samples[$0].label == 1 }.count, nNeg = trainIdx.count - nPos
        guard nPos > 0, nNeg > 0 else {
            throw ClassifierError(.argument, "the training split needs both classes (\(nPos) positive, \(nNeg) negative)")
        }
        let posWeight = Double(nNeg) / Double(nPos)
        let inputs = try samples.map { s in
            do {
                return try InputPreparation.prepare(s.input, architecture: arch, landmarks: s.landmarks)
            } catch let e as ClassifierError { throw ClassifierError(e.code, "case \(s.id): \(e.message)") }
        }
        let threads = min(options.threads, max(1, options.batchSize))
        openblas_set_num_threads(1)

        let master = try Network(architecture: arch, seed: options.seed)
        let replicas = try (0..<threads).map { _ in Replica(try Network(architecture: arch, seed: options.seed)) }
        let adam = AdamW(parameters: master.parameters, weightDecay: options.weightDecay)
        var history: [EpochRecord] = []
        var best: (score: (Double, Double), epoch: Int, params: [[Float]], buffers: [[Float]])? = nil
        var order = trainIdx
        var shuffler = SplitMix64(seed: options.seed ^ 0x5EED)

        for epoch in 1...options.epochs {
            let start = Date()
            let progress = Double(epoch - 1) / Double(max(1, options.epochs - 1))
            let floorFrac = Double(options.finalLearningRateFraction)
            let lrFrac = floorFrac + (1 - floorFrac) * 0.5 * (1 + cos(Double.pi * progress))
            let lrD = Double(options.learningRate) * lrFrac
            let lr = Float(lrD)
            shuffler.shuffle(&order)
            var lossSum = 0.0
            for batchStart in stride(from: 0, to: order.count, by: options.batchSize) {
                let batch = Array(order[batchStart..<min(order.count, batchStart + options.batchSize)])
                for r in replicas { r.net.copyState(from: master); r.net.parameters.forEach { $0.zeroGrad() }; r.loss = 0 }
                let aug = options.augmentation, seed = options.seed
                DispatchQueue.concurrentPerform(iterations: replicas.count) { t in
                    let r = replicas[t]
                    for j in stride(from: t, to: batch.count, by: replicas.count) {
                        let i = batch[j]
                        var rng = SplitMix64(seed: seed, stream: [epoch, i])
                        let x = aug.apply(inputs[i], rng: &rng)
                        let z = r.net.forward(x, training: true, rng: &rng)
                        let (l, d) = SigmoidBCE.loss(logit: Double(z), label: samples[i].label, positiveWeight: posWeight)
                        r.loss += l
                        r.net.backward(dLogit: Float(d / Double(batch.count)))
                    }
                }
                let params = master.parameters
                let replicaParams = replicas.map { $0.net.parameters }
                for (k, p) in params.enumerated() {
                    var sum = replicaParams[0][k].grad
                    for rp in replicaParams.dropFirst() {
                        rp[k].grad.withUnsafeBufferPointer { g in
                            sum.withUnsafeMutableBufferPointer { s in for i in 0..<s.count { s[i] += g[i] } }
                        }
                    }
                    p.grad = sum
                }
                for (k, b) in master.buffers.enumerated() {
                    var acc = [Float](repeating: 0, count: b.value.count)
                    for r in replicas { let v = r.net.buffers[k].value; for i in acc.indices { acc[i] += v[i] } }
                    b.value = acc.map { $0 / Float(replicas.count) }
                }
                adam.step(params, lr: lr)
                lossSum += replicas.reduce(0) { $0 + $1.loss }
            }
            let trainLoss = lossSum / Double(order.count)
            var valAUC: Double? = nil, valLoss: Double? = nil
            if !valIdx.isEmpty {
                let probs = predictAll(master, replicas: replicas, inputs: valIdx.map { inputs[$0] })
                let labels = valIdx.map { samples[$0].label }
                valAUC = rocAUC(scores: probs, labels: labels)
                var vl = 0.0
                for (p, y) in zip(probs, labels) {
                    vl -= y == 1 ? posWeight * Foundation.log(max(p, 1e-12)) : Foundation.log(max(1 - p, 1e-12))
                }
                valLoss = vl / Double(labels.count)
            }
            let secs = Date().timeIntervalSince(start)
            history.append(EpochRecord(epoch: epoch, learningRate: lrD, trainLoss: trainLoss,
                                       validationAUC: valAUC, validationLoss: valLoss, seconds: secs))
            log(String(format: "epoch %d/%d  loss %.4f  val AUC %@  val loss %@  lr %.2e  %.1f s", epoch, options.epochs,
                       trainLoss, valAUC.map { String(format: "%.4f", $0) } ?? "n/a",
                       valLoss.map { String(format: "%.4f", $0) } ?? "n/a", lrD, secs))
            // Early stopping on validation AUC, ties broken by validation loss (AUC saturates at
            // 1.0 on easy data); on training loss alone without a two-class validation split.
            let score = valAUC.map { ($0, -(valLoss ?? 0)) } ?? (-Double.infinity, -trainLoss)
            if best == nil || score > best!.score {
                best = (score, epoch, master.parameters.map(\.value), master.buffers.map(\.value))
            } else if epoch - best!.epoch >= options.patience {
                log("early stop: no better validation AUC for \(options.patience) epochs (best epoch \(best!.epoch))")
                break
            }
        }
        if let best {
            for (p, v) in zip(master.parameters, best.params) { p.value = v }
            for (b, v) in zip(master.buffers, best.buffers) { b.value = v }
        }
        let bestEpoch = best?.epoch ?? options.epochs
        let bestAUC = history.first { $0.epoch == bestEpoch }?.validationAUC
        var meta: [String: String] = [
            "seed": String(options.seed),
            "epochs": String(history.count),
            "best_epoch": String(bestEpoch),
            "validation_auc": bestAUC.map { String(format: "%.6f", $0) } ?? "n/a",
            "training_data_sha256": dataHash(samples, trainIdx + valIdx),
            "training_cases": String(trainIdx.count),
            "validation_cases": String(valIdx.count),
            "positive_weight": String(format: "%.6f", posWeight),
            "threads": String(threads),
            // Without wall times, so the same seed and data give the same model file byte for byte.
            "learning_curve": (try? CanonicalJSON.string(history.map(LearningCurvePoint.init))) ?? "[]",
        ]
        if let sha = options.pipelineConfigSHA256 { meta["pipeline_config_sha256"] = sha }
        let model = Model(network: master, metadata: meta)
        return TrainedModel(model: model, history: history, bestEpoch: bestEpoch, validationAUC: bestAUC,
                            trainingIDs: trainIdx.map { samples[$0].id }, validationIDs: valIdx.map { samples[$0].id })
    }

    /// Stratified seeded split: per class, shuffle and hold out round(fraction·n) (at least one
    /// when fraction > 0 and the class has ≥ 2 members). Index lists come back sorted.
    static func split(_ samples: [TrainingSample], fraction: Double, seed: UInt64) -> ([Int], [Int]) {
        var train: [Int] = [], val: [Int] = []
        var rng = SplitMix64(seed: seed ^ 0xA11CE)
        for label in [0, 1] {
            var idx = samples.indices.filter { samples[$0].label == label }
            rng.shuffle(&idx)
            var k = Int((fraction * Double(idx.count)).rounded())
            if fraction > 0 && idx.count >= 2 { k = max(1, min(k, idx.count - 1)) } else if fraction == 0 { k = 0 }
            val += idx.prefix(k); train += idx.dropFirst(k)
        }
        return (train.sorted(), val.sorted())
    }

    /// Evaluation-mode probabilities, the inputs dealt round-robin over the replicas.
    static func predictAll(_ master: Network, replicas: [Replica], inputs: [Tensor]) -> [Double] {
        for r in replicas { r.net.copyState(from: master) }
        let out = Locked([Double](repeating: 0, count: inputs.count))
        DispatchQueue.concurrentPerform(iterations: replicas.count) { t in
            var rng = SplitMix64(seed: 0)
            for j in stride(from: t, to: inputs.count, by: replicas.count) {
                let p = SigmoidBCE.sigmoid(Double(replicas[t].net.forward(inputs[j], training: false, rng: &rng))); out.withLock { $0[j] = p }
            }
        }
        return out.value
    }

    /// SHA-256 over "id,label,sha256-of-data" lines sorted by id.
    static func dataHash(_ samples: [TrainingSample], _ indices: [Int]) -> String {
        let lines = indices.map { i -> String in
            let s = samples[i]
            let h = s.sha256 ?? s.input.data.withUnsafeBytes { SHA256.hex(UnsafeRawBufferPointer($0)) }
            return "\(s.id),\(s.label),\(h)\n"
        }.sorted()
        return SHA256.hex(string: lines.joined())
    }
}

/// A network replica owned by one worker thread during a parallel section (no other thread
/// touches it until the section ends), hence the unchecked Sendable.
final class Replica: @unchecked Sendable {
    let net: Network
    var loss = 0.0
    init(_ net: Network) { self.net = net }
}

/// One epoch of the learning curve as stored in the model's metadata: everything of
/// `EpochRecord` except its wall time, which differs from run to run.
struct LearningCurvePoint: Codable {
    let epoch: Int
    let learningRate: Double
    let trainLoss: Double
    let validationAUC: Double?
    let validationLoss: Double?
    init(_ r: EpochRecord) {
        epoch = r.epoch; learningRate = r.learningRate; trainLoss = r.trainLoss
        validationAUC = r.validationAUC; validationLoss = r.validationLoss
    }
}
