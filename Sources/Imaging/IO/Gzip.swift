import CZlib

/// A gzip stream (RFC 1952) decoded on the fly with zlib (`inflateInit2` with windowBits
/// 16 + MAX_WBITS), so a `.nii.gz` is never inflated further than the reader asks for.
/// Concatenated gzip members are decoded one after the other, as `gzip -d` does.
final class GzipSource: ByteSource {
    let name: String
    private let input: ByteSource
    private let stream: UnsafeMutablePointer<z_stream>
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var finished = false

    /// Wraps `input`, whose bytes are the gzip file.
    /// - Throws: `ImagingError(.io)` when zlib cannot be initialised.
    init(_ input: ByteSource) throws {
        self.input = input
        self.name = input.name
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        inputBuffer = .allocate(byteCount: 1 << 16, alignment: 16)
        let status = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1); stream.deallocate(); inputBuffer.deallocate()
            throw ImagingError(.io, "zlib inflateInit2 failed with status \(status)", file: input.name)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        inputBuffer.deallocate()
    }

    /// True when the first two bytes are the gzip magic 1f 8b.
    static func looksLikeGzip(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 2 && prefix[0] == 0x1f && prefix[1] == 0x8b
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let out = buffer.baseAddress, buffer.count > 0, !finished else { return 0 }
        let want = UInt32(clamping: buffer.count)
        stream.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = want
        while stream.pointee.avail_out == want {
            if stream.pointee.avail_in == 0 {
                guard try refill() else {
                    throw ImagingError(.truncated, "gzip stream ends before its end marker", file: name)
                }
            }
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if try !startNextMember() {
                    finished = true
                    return Int(want - stream.pointee.avail_out)
                }
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                continue
            case Z_MEM_ERROR:
                throw ImagingError(.io, "zlib ran out of memory", file: name)
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                throw ImagingError(.format, "corrupt gzip data: \(reason)", file: name)
            }
        }
        return Int(want - stream.pointee.avail_out)
    }

    func skip(_ count: Int) throws -> Int { try skipByReading(count) }

    /// Loads more compressed bytes; false when the file has none left.
    private func refill() throws -> Bool {
        if inputEnded { return false }
        let got = try input.read(into: inputBuffer)
        if got == 0 { inputEnded = true; return false }
        stream.pointee.next_in = inputBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(got)
        return true
    }

    /// After a member's end: true if another gzip member follows (decoder reset for it), false
    /// at the end of the file.
    /// - Throws: `ImagingError(.format)` when non-gzip bytes follow the stream.
    private func startNextMember() throws -> Bool {
        if stream.pointee.avail_in == 0, try !refill() { return false }
        guard stream.pointee.next_in.pointee == 0x1f else {
            throw ImagingError(.format, "unexpected bytes after the end of the gzip stream", file: name)
        }
        guard inflateReset(stream) == Z_OK else {
            throw ImagingError(.format, "cannot restart the gzip decoder", file: name)
        }
        return true
    }
}
