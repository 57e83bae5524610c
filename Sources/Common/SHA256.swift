import CSHA256

/// SHA-256 (FIPS 180-4), streaming. Used for run configurations, input volumes, manifests and
/// model files, so provenance in reports can be checked with `sha256sum`.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    private static let k = Array(UnsafeBufferPointer(start: kf_sha256_constants(), count: 64))

    /// Whether this CPU has the SHA extensions (`CSHA256`); the Swift compression below is the
    /// reference and serves every other CPU.
    static let hardwareAvailable = kf_sha256_hw_available() != 0
    private let hardware: Bool

    public init() { self.init(hardware: Self.hardwareAvailable) }

    /// `hardware: false` forces the Swift compression (tests compare both).
    init(hardware: Bool) {
        self.hardware = hardware && Self.hardwareAvailable
        buffer.reserveCapacity(64)
    }

    /// Feeds bytes into the hash.
    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ updateContiguous($0) }) != nil { return }
        Array(bytes).withUnsafeBufferPointer { updateContiguous($0) }
    }

    private mutating func updateContiguous(_ p: UnsafeBufferPointer<UInt8>) {
        length &+= UInt64(p.count)
        var offset = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, p.count)
            buffer.append(contentsOf: p[0..<take])
            offset = take
            if buffer.count < 64 { return }
            buffer.withUnsafeBufferPointer { compress($0.baseAddress!) }
            buffer.removeAll(keepingCapacity: true)
        }
        guard let base = p.baseAddress else { return }
        if hardware, p.count - offset >= 64 {
            let blocks = (p.count - offset) / 64
            withUnsafeMutablePointer(to: &state) { s in
                s.withMemoryRebound(to: UInt32.self, capacity: 8) { kf_sha256_blocks($0, base + offset, blocks) }
            }
            offset += blocks * 64
        }
        while offset + 64 <= p.count {
            compress(base + offset)
            offset += 64
        }
        buffer.append(contentsOf: p[offset...])
    }

    /// Feeds the UTF-8 bytes of a string.
    public mutating func update(string: String) { update(Array(string.utf8)) }

    /// Finishes and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var pad: [UInt8] = [0x80]
        let used = Int(length % 64)
        let zeros = used < 56 ? 55 - used : 119 - used
        pad.append(contentsOf: repeatElement(0, count: zeros))
        for i in (0..<8).reversed() { pad.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        let savedLength = length
        update(pad)
        length = savedLength
        precondition(buffer.isEmpty)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            out.append(UInt8(word >> 24)); out.append(UInt8((word >> 16) & 0xff))
            out.append(UInt8((word >> 8) & 0xff)); out.append(UInt8(word & 0xff))
        }
        return out
    }

    /// One-shot digest as lowercase hex.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var h = SHA256()
        h.update(bytes)
        return Hex.encode(h.finalize())
    }

    /// One-shot digest of a string's UTF-8 bytes as lowercase hex.
    public static func hex(string: String) -> String { hex(Array(string.utf8)) }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    private mutating func compress(_ p: UnsafePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            Self.k.withUnsafeBufferPointer { k in
                for i in 0..<16 {
                    w[i] = UInt32(p[4 * i]) << 24 | UInt32(p[4 * i + 1]) << 16 | UInt32(p[4 * i + 2]) << 8 | UInt32(p[4 * i + 3])
                }
                for i in 16..<64 {
                    let s0 = Self.rotr(w[i - 15], 7) ^ Self.rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                    let s1 = Self.rotr(w[i - 2], 17) ^ Self.rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                    w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, h) = state
                for i in 0..<64 {
                    let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
                    let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
                state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d,
                         state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
            }
        }
    }
}

/// Lowercase hexadecimal encoding.
public enum Hex {
    /// Encodes bytes as lowercase hex, two characters a byte.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xf)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
