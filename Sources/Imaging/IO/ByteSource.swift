#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C `read(2)`, reachable from types that have their own `read` method.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// A sequential stream of bytes the volume readers pull from: a file, an in-memory buffer, or a
/// gzip stream over either. Reading never trusts a header: every read returns what is really
/// there, and the caller decides whether a short read means `.truncated`.
protocol ByteSource: AnyObject {
    /// The name used in errors (normally the path).
    var name: String { get }
    /// Reads up to `buffer.count` bytes into `buffer`; returns how many, 0 at the end of stream.
    /// - Throws: `ImagingError(.io)` on a read failure, `.format`/`.truncated` for a corrupt
    ///   compressed stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Discards up to `count` bytes; returns how many were discarded (fewer only at the end).
    func skip(_ count: Int) throws -> Int
}

extension ByteSource {
    /// Reads `count` bytes, or fewer only when the stream ends first. Large reads grow the
    /// buffer in 16 MiB steps, so a header that lies about a big size costs only what the
    /// file really holds.
    func read(upTo count: Int) throws -> [UInt8] {
        let step = 1 << 24
        guard count > step else { return try readSmall(count) }
        var out: [UInt8] = []
        out.reserveCapacity(step)
        while out.count < count {
            let want = min(step, count - out.count)
            let chunk = try readSmall(want)
            out += chunk
            if chunk.count < want { break }
        }
        return out
    }

    private func readSmall(_ count: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: max(count, 0)) { buffer, initialized in
            initialized = 0
            while initialized < count {
                let rest = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[initialized...])
                let got = try read(into: rest)
                if got == 0 { break }
                initialized += got
            }
        }
    }

    /// Reads exactly `count` bytes.
    /// - Throws: `ImagingError(.truncated)` naming `what` when the stream ends first.
    func read(exactly count: Int, what: String) throws -> [UInt8] {
        let bytes = try read(upTo: count)
        guard bytes.count == count else {
            throw ImagingError(.truncated, "\(what): expected \(count) bytes, file has only \(bytes.count)", file: name)
        }
        return bytes
    }

    /// True when at least one more byte can be read (consumes it).
    func hasMoreBytes() throws -> Bool {
        var byte: UInt8 = 0
        return try withUnsafeMutableBytes(of: &byte) { try read(into: $0) } > 0
    }

    /// Default skip: read and discard in chunks.
    func skipByReading(_ count: Int) throws -> Int {
        var skipped = 0
        var scratch = [UInt8](repeating: 0, count: min(max(count, 0), 1 << 16))
        while skipped < count {
            let want = min(scratch.count, count - skipped)
            let got = try scratch.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
            if got == 0 { break }
            skipped += got
        }
        return skipped
    }
}

/// Bytes of a file, read through a POSIX descriptor (no whole-file load).
final class FileSource: ByteSource {
    let name: String
    private let fd: Int32

    /// Opens `path` for reading.
    /// - Throws: `ImagingError(.io)` with the system's reason when it cannot be opened.
    init(path: String) throws {
        name = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ImagingError(.io, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ImagingError(.io, "is a directory", file: path)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let got = posixRead(fd, base, buffer.count)
            if got >= 0 { return got }
            if errno == EINTR { continue }
            throw ImagingError(.io, "read failed: \(String(cString: strerror(errno)))", file: name)
        }
    }

    func skip(_ count: Int) throws -> Int {
        var info = stat()
        let position = lseek(fd, 0, SEEK_CUR)
        guard count > 0, position >= 0, fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return try skipByReading(count)
        }
        let step = min(count, max(0, Int(info.st_size) - Int(position)))
        guard lseek(fd, off_t(step), SEEK_CUR) >= 0 else {
            throw ImagingError(.io, "seek failed: \(String(cString: strerror(errno)))", file: name)
        }
        return step
    }
}

/// Bytes held in memory (tests, and data already loaded by a caller).
final class MemorySource: ByteSource {
    let name: String
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8], name: String) { self.bytes = bytes; self.name = name }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[position..<(position + n)]))
        }
        position += n
        return n
    }

    func skip(_ count: Int) throws -> Int {
        let n = min(max(count, 0), bytes.count - position)
        position += n
        return n
    }
}
