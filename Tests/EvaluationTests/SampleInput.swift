import Common
import Foundation
@testable import Evaluation

/// Synthetic report inputs: two sites, two variants, failures, pending jobs, a one-class dataset.
enum SampleInput {
    static let stages = ["load", "nmf", "segment", "classify"]

    /// Cases with probabilities drawn around the label (separation `shift`), a few failed and
    /// pending, times 2026-11-28T05:00:00Z + k·`secondsPerCase`.
    static func cases(_ dataset: String, count: Int, shift: Double, variant: String, seed: UInt64) -> [CaseInput] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { k in
            let id = "\(dataset)-\(String(repeating: "0", count: 4 - String(k).count))\(k)"
            let label = k % 5 < 2 ? 1 : 0           // 40% positive
            let u = Double.random(in: 0..<1, using: &rng)
            let noise = (u - 0.5) * 4 + Double.random(in: -1...1, using: &rng)
            let p = 1 / (1 + exp(-(noise + (label == 1 ? shift : -shift))))
            let state: JobState, error: String?
            switch k {
            case 7: state = .failed; error = "stage nmf: NMF did not converge within 500 iterations"
            case 19: state = .failed; error = "stage load: corrupt volume: npy header truncated"
            case count - 1: state = .running; error = nil
            default: state = .succeeded; error = nil
            }
            let t0 = 5 * 3600.0 + Double(k) * 2.5
            var ms: [String: Double] = [:]
            if state == .succeeded {
                for (i, s) in stages.enumerated() { ms[s] = Double(Int.random(in: 20...400, using: &rng) * (i + 1)) / 4 }
            }
            return CaseInput(caseId: id, label: label, state: state,
                             probability: state == .succeeded ? (p * 1000).rounded() / 1000 : nil,
                             error: error, stageMillis: ms,
                             previewPath: "artifacts/runs/eval-\(variant)/\(dataset)/\(id)/preview.png",
                             camPath: variant == "seg" ? "artifacts/runs/eval-\(variant)/\(dataset)/\(id)/cam.png" : nil,
                             startedAt: state == .running ? nil : iso(t0),
                             finishedAt: state == .succeeded || state == .failed ? iso(t0 + 2.2) : nil)
        }
    }

    static func iso(_ secondsOfDay: Double) -> String {
        let s = Int(secondsOfDay)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "2026-11-28T\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60)).\(Int((secondsOfDay - Double(s)) * 10))Z"
    }

    static func run(_ variant: String, shift: Double, seed: UInt64) -> RunInput {
        let config = "{\"classifier\":{\"variant\":\"\(variant)\"},\"nmf\":{\"iterations\":500,\"rank\":4},\"segmentation\":{\"clusters\":[2,5]}}"
        // A one-class dataset: every case negative.
        let oneClass = (0..<6).map { k in
            CaseInput(caseId: "mono-\(k)", label: 0, state: .succeeded, probability: Double(k) / 10,
                      stageMillis: ["load": 10, "classify": 5])
        }
        return RunInput(
            name: "eval-\(variant)", variant: variant,
            provenance: Provenance(configJSON: config, configSHA256: String(repeating: variant == "seg" ? "a1" : "b2", count: 32),
                                   codeVersion: "0.1.0+8d9bdfc", modelSHA256: String(repeating: "c3", count: 32),
                                   manifestSHA256: String(repeating: "d4", count: 32),
                                   startedAt: "2026-11-28T05:00:00Z", finishedAt: "2026-11-28T05:04:10Z"),
            datasets: [DatasetInput(name: "site-a", cases: cases("site-a", count: 60, shift: shift, variant: variant, seed: seed)),
                       DatasetInput(name: "site-b", cases: cases("site-b", count: 40, shift: shift * 0.6, variant: variant, seed: seed + 1)),
                       DatasetInput(name: "site-c-negatives", cases: oneClass)])
    }

    static func input() -> ReportInput {
        ReportInput(title: "KneeFlow evaluation: seg vs raw", run: run("seg", shift: 1.6, seed: 11),
                    comparison: run("raw", shift: 0.7, seed: 11), stageOrder: stages)
    }
}
