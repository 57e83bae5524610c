import CZlib

/// gzip compression for `.nii.gz` volumes and compact (`.npy.gz`) artifacts.
public enum GzipWriter {
    /// One gzip member (zlib deflate with windowBits 16 + MAX_WBITS, at `level`, 6 by default;
    /// compact artifacts use 1: on uint8 images 1 % larger, about half the time). Deterministic: the
    /// same bytes give the same output (zlib writes no time stamp or file name in the header), so
    /// compressed artifacts of the same result are byte-identical.
    /// - Throws: `ImagingError(.io)` naming `name` when zlib fails.
    public static func compress(_ input: [UInt8], name: String, level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImagingError(.io, "zlib deflateInit2 failed", file: name)
        }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress; stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress; stream.avail_out = uInt(dst.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw ImagingError(.io, "gzip compression failed (zlib status \(status))", file: name) }
        out.removeLast(out.count - Int(stream.total_out))
        return out
    }
}
