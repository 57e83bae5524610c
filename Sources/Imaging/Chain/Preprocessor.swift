import Dispatch

/// The whole per-volume chain: NMF of the volume (slices × pixels) into K base images, then per
/// base image slice preprocessing and K-means segmentation.
public enum Preprocessor {
    /// Runs the chain on one volume. The NMF kernel and the base images run in parallel when
    /// `BLAS.setThreads(n)` set n > 1; with the default `.hals` solver the results do not depend
    /// on the thread count (`.halsGemm` and `.multiplicative` use threaded sgemm, whose rounding
    /// may).
    /// - Throws: `ImagingError(.argument)` for invalid options, `.value` for a negative,
    ///   non-finite or all-zero volume.
    public static func run(_ volume: Volume, options: PreprocessOptions) throws -> PreprocessResult {
        try options.validate()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let h = volume.height, w = volume.width, px = h * w
        let nmf = try NMF.factorize(volume.data, rows: volume.slices, columns: px, options: options.nmf, imageShape: (h, w))
        let k = nmf.components
        let t1 = DispatchTime.now().uptimeNanoseconds

        let threads = max(1, BLAS.threads)
        let knee = options.slice.foreground == .knee ? try KneeMask.compute(volume, options: options.slice) : nil
        let slices = try parallelMap(k, threads: threads) { i in
            try nmf.h.withUnsafeBufferPointer { hb in
                try SlicePreprocessor.run(UnsafeBufferPointer(rebasing: hb[(i * px)..<((i + 1) * px)]), height: h, width: w,
                                          options: options.slice, foreground: knee?.mask)
            }
        }
        let t2 = DispatchTime.now().uptimeNanoseconds
        let segs = try parallelMap(k, threads: threads) { i in
            try Segmentation.run(slices[i].normalized, mask: slices[i].mask, counts: slices[i].foregroundCounts, options: options.segmentation)
        }
        let t3 = DispatchTime.now().uptimeNanoseconds

        // K×h×w outputs: per-image arrays appended in order (no zero fill, no per-pixel indexing).
        var masks: [UInt8] = [], segmented: [Float] = [], labels: [UInt8] = []
        masks.reserveCapacity(k * px); segmented.reserveCapacity(k * px); labels.reserveCapacity(k * px)
        guard slices.allSatisfy({ $0.normalized.count == px }) else {
            throw ImagingError(.shape, "slice preprocessing returned an image of the wrong size")
        }
        let normalized = [Float](unsafeUninitializedCapacity: k * px) { out, count in
            for i in 0..<k {
                slices[i].normalized.withUnsafeBufferPointer { src in
                    for p in 0..<px { out[i * px + p] = Float(src[p]) }
                }
            }
            count = k * px
        }
        for i in 0..<k {
            masks.append(contentsOf: slices[i].mask)
            segmented.append(contentsOf: segs[i].segmented)
            labels.append(contentsOf: segs[i].labels)
        }
        let ms = { (a: UInt64, b: UInt64) in Double(b - a) / 1e6 }
        let metrics = PreprocessMetrics(
            ms: .init(nmf: ms(t0, t1), slice: ms(t1, t2), segmentation: ms(t2, t3), total: ms(t0, t3)),
            nmfIterations: nmf.iterations, nmfCoarseIterations: nmf.coarseIterations, nmfConverged: nmf.converged, nmfRelativeError: nmf.relativeError,
            nmfObjective: nmf.objective, nmfRank: nmf.rank, zeroComponents: nmf.zeroComponents,
            kneeAnchor: knee?.anchor,
            thresholds: slices.map(\.threshold),
            foregroundFractions: slices.map { Double($0.foreground) / Double(px) },
            keptFractions: segs.map(\.keptFraction), inertia: segs.map(\.inertia), clusters: segs.map(\.clusters),
            emptyForeground: slices.filter { $0.foreground == 0 }.count)
        return PreprocessResult(
            base: try Volume(slices: k, height: h, width: w, data: nmf.h),
            normalized: try Volume(slices: k, height: h, width: w, data: normalized),
            masks: masks,
            segmented: try Volume(slices: k, height: h, width: w, data: segmented),
            labels: labels, metrics: metrics, weights: nmf.w)
    }

    /// Maps 0..<count with up to `threads` workers, results in index order; rethrows the first
    /// error by index.
    static func parallelMap<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        if threads <= 1 || count <= 1 { return try (0..<count).map(body) }
        let box = ResultBox<T>(count)
        DispatchQueue.concurrentPerform(iterations: min(threads, count)) { worker in
            var i = worker
            while i < count {
                box.set(i, Result { try body(i) })
                i += min(threads, count)
            }
        }
        return try box.values().map { try $0.get() }
    }
}

/// Index-addressed results written from `concurrentPerform` workers (disjoint indices, raw
/// storage so no two workers ever touch the same memory).
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let items: UnsafeMutablePointer<Result<T, any Error>?>
    private let count: Int
    init(_ n: Int) {
        count = n
        items = .allocate(capacity: n)
        items.initialize(repeating: nil, count: n)
    }
    deinit { items.deinitialize(count: count); items.deallocate() }
    func set(_ i: Int, _ r: Result<T, any Error>) { items[i] = r }
    func values() -> [Result<T, any Error>] {
        (0..<count).map { items[$0] ?? .failure(ImagingError(.argument, "missing result")) }
    }
}
