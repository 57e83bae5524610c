import CImagingKernels
import Glibc

/// A 64-byte aligned buffer of `count` trivial elements (the SIMD kernels' operands), zeroed
/// unless the caller fills every element itself (`zeroed: false`).
final class AlignedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int, zeroed: Bool = true) {
        self.count = count
        let bytes = max(1, count) * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        if zeroed { memset(raw, 0, bytes) }
        pointer = raw.bindMemory(to: Element.self, capacity: max(1, count))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// A rows×columns matrix in the column-blocked layout of the fused HALS kernel
/// (`kf_pack_f32`): ceil(columns/B) blocks of rows×B values, B = `Blocked.columnsPerBlock`,
/// the columns past `columns` zero; as float32, or as bytes when every sample is an integer 0…255.
struct Blocked: @unchecked Sendable {
    static let columnsPerBlock = Int(kf_block_columns())
    let rows: Int, columns: Int
    let floats: AlignedBuffer<Float>?
    let bytes: AlignedBuffer<UInt8>?
    var blocks: Int { (columns + Self.columnsPerBlock - 1) / Self.columnsPerBlock }
    static func count(rows: Int, columns: Int) -> Int {
        (columns + columnsPerBlock - 1) / columnsPerBlock * rows * columnsPerBlock
    }

    /// Packs a row-major float matrix.
    init(packing src: UnsafePointer<Float>, rows: Int, columns: Int) {
        self.rows = rows; self.columns = columns
        let f = AlignedBuffer<Float>(count: Self.count(rows: rows, columns: columns), zeroed: false)  // packing writes all
        kf_pack_f32(src, Int32(rows), columns, f.pointer)
        floats = f; bytes = nil
    }

    /// Wraps packed bytes (filled by `kf_scan`).
    init(bytes: AlignedBuffer<UInt8>, rows: Int, columns: Int) {
        self.rows = rows; self.columns = columns; floats = nil; self.bytes = bytes
    }

    /// The row-major rows×columns floats (float storage only).
    func unpacked() -> [Float] {
        var out = [Float](repeating: 0, count: rows * columns)
        if let floats {
            out.withUnsafeMutableBufferPointer { kf_unpack_f32(floats.pointer, Int32(rows), columns, $0.baseAddress!) }
        }
        return out
    }
}
