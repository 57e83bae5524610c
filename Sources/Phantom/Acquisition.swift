import Foundation

/// The scanner's side of a slice: multiplicative bias field, Rician noise (the magnitude of a
/// complex signal with Gaussian noise of standard deviation `sigma` in each channel), intensity
/// scale, rounding to uint8.
enum Acquisition {
    /// Length of the shared table of standard-normal samples that per-voxel noise is read from.
    static let tableLength = 1 << 21
    /// Standard-normal samples (Box–Muller from a fixed SplitMix64 seed), padded so a row of up to
    /// 4096 complex samples can be read from any offset below `tableLength`. Each image row reads
    /// from its own random offset (drawn from the case's generator), so reading is vectorisable
    /// and the noise is still deterministic per case.
    static let normalTable: [Float] = {
        var r = SplitMix64(seed: 0x4E01_5E7A_B1E5_0001)
        return (0..<(tableLength + 2 * 4096)).map { _ in r.normal() }
    }()

    /// Turns the relative signal of slice `s` into uint8 samples in `out` (count size × size).
    static func acquire(signal: UnsafeBufferPointer<Float>, slice s: Int, size: Int, bias: BiasField,
                        sigma: Float, scale: Float, offsets r: inout SplitMix64, into out: UnsafeMutableBufferPointer<UInt8>) {
        normalTable.withUnsafeBufferPointer { table in
            guard let tableBase = table.baseAddress, let sig = signal.baseAddress, let dst = out.baseAddress else { return }
            bias.columns.withUnsafeBufferPointer { cols in
                guard let col = cols.baseAddress else { return }
                for y in 0..<size {
                    let rowFactor = bias.row(y, slice: s)
                    let ty = bias.twist * ((Float(y) + 0.5) / Float(size) * 2 - 1)
                    let noise = tableBase + Int(r.next() >> 43)          // 21 random bits
                    let src = sig + y * size, o = dst + y * size
                    for x in 0..<size {
                        let tx = (Float(x) + 0.5) / Float(size) * 2 - 1
                        let clean = src[x] * rowFactor * col[x] * (1 + ty * tx)
                        let re = clean + sigma * noise[2 * x], im = sigma * noise[2 * x + 1]
                        let mag = (re * re + im * im).squareRoot() * scale
                        // mag ≥ 0: adding 2²³ leaves round-to-nearest(mag) in the low mantissa bits.
                        o[x] = UInt8(truncatingIfNeeded: (min(mag, 255) + 8_388_608).bitPattern)
                    }
                }
            }
        }
    }
}
