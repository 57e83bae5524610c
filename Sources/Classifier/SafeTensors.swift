import Foundation

/// The safetensors file format (huggingface/safetensors): an 8-byte little-endian header length
/// N, N bytes of JSON header (`{"__metadata__": {string: string}, name: {"dtype", "shape",
/// "data_offsets": [begin, end]}}`, padded with spaces so the data starts at a multiple of 8, as
/// the Python package writes it), then the tensors' raw little-endian bytes, contiguous, with
/// offsets relative to the start of the data. Only F32 tensors are read and written here.
public enum SafeTensors {
    /// A decoded tensor: shape and float32 values (C order).
    public struct Entry: Equatable, Sendable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
    }

    /// Header size limit (the reference implementation's, 100 MB).
    public static let maxHeaderBytes = 100_000_000

    /// Serialises tensors (data in name order) and string metadata.
    public static func encode(_ tensors: [String: Entry], metadata: [String: String]) -> [UInt8] {
        let names = tensors.keys.sorted()
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(quote($0)):\(quote(metadata[$0]!))" }
            parts.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let e = tensors[name]!
            precondition(e.shape.reduce(1, *) == e.values.count, "tensor \(name): shape/value mismatch")
            let end = offset + 4 * e.values.count
            parts.append("\(quote(name)):{\"dtype\":\"F32\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        let n = UInt64(headerBytes.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        out += headerBytes
        for name in names {
            for v in tensors[name]!.values {
                let b = v.bitPattern.littleEndian
                out.append(UInt8(truncatingIfNeeded: b)); out.append(UInt8(truncatingIfNeeded: b >> 8))
                out.append(UInt8(truncatingIfNeeded: b >> 16)); out.append(UInt8(truncatingIfNeeded: b >> 24))
            }
        }
        return out
    }

    /// Parses and validates a safetensors byte string.
    /// - Throws: `ClassifierError` with `.truncated` (shorter than the header length or the data
    ///   offsets say), `.header` (header not a JSON object / entries malformed / metadata not
    ///   string→string), `.dtype` (not F32), `.shape` (negative or non-integer dims, or a byte span
    ///   that does not match shape × 4), `.offsets` (overlaps, gaps, trailing bytes).
    public static func decode(_ bytes: [UInt8], file: String? = nil) throws -> (tensors: [String: Entry], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw ClassifierError(.truncated, "file has \(bytes.count) bytes, fewer than the 8-byte header length", file: file) }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeaderBytes) else { throw ClassifierError(.header, "header length \(n) exceeds \(maxHeaderBytes) bytes", file: file) }
        guard 8 + Int(n) <= bytes.count else {
            throw ClassifierError(.truncated, "header length \(n) but only \(bytes.count - 8) bytes follow", file: file)
        }
        let headerBytes = Array(bytes[8..<(8 + Int(n))])
        guard headerBytes.first == UInt8(ascii: "{"),
              let obj = try? JSONDecoder().decode([String: HeaderEntry].self, from: Data(headerBytes)) else {
            throw ClassifierError(.header, "header is not a JSON object of tensor entries", file: file)
        }
        var metadata: [String: String] = [:]
        var spans: [(name: String, begin: Int, end: Int, shape: [Int])] = []
        for (name, value) in obj {
            let dtype: String?, shapeOpt: [Int]?, offOpt: [Int]?
            switch value {
            case .metadata(let m): metadata = m; continue
            case .badMetadata: throw ClassifierError(.header, "__metadata__ is not a string-to-string object", file: file)
            case .notObject: throw ClassifierError(.header, "tensor \(name): entry is not an object", file: file)
            case let .tensor(d, sh, of): dtype = d; shapeOpt = sh; offOpt = of
            }
            guard let dtype else { throw ClassifierError(.header, "tensor \(name): missing or non-string dtype", file: file) }
            guard dtype == "F32" else { throw ClassifierError(.dtype, "tensor \(name): dtype \(dtype), only F32 is supported", file: file) }
            guard let shape = shapeOpt, shape.allSatisfy({ $0 >= 0 }) else {
                throw ClassifierError(.shape, "tensor \(name): shape is not a list of non-negative integers", file: file)
            }
            guard let off = offOpt, off.count == 2, off[0] >= 0, off[1] >= off[0] else {
                throw ClassifierError(.offsets, "tensor \(name): data_offsets must be [begin, end] with 0 ≤ begin ≤ end", file: file)
            }
            var count = 1, overflow = false
            for d in shape {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                count = p; overflow = overflow || o
            }
            guard !overflow, count <= Int.max / 4, off[1] - off[0] == 4 * count else {
                throw ClassifierError(.shape, "tensor \(name): shape \(shape) of F32 needs \(overflow ? -1 : 4 * count) bytes, data_offsets span \(off[1] - off[0])", file: file)
            }
            spans.append((name, off[0], off[1], shape))
        }
        let dataLength = bytes.count - 8 - Int(n)
        spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expected = 0
        for s in spans {
            guard s.begin == expected else {
                throw ClassifierError(.offsets, "tensor \(s.name): data begins at \(s.begin), expected \(expected) (\(s.begin < expected ? "overlap" : "gap"))", file: file)
            }
            expected = s.end
        }
        guard expected <= dataLength else {
            throw ClassifierError(.truncated, "tensors need \(expected) data bytes, file has \(dataLength)", file: file)
        }
        guard expected == dataLength else {
            throw ClassifierError(.offsets, "\(dataLength - expected) bytes after the last tensor", file: file)
        }
        var tensors: [String: Entry] = [:]
        let base = 8 + Int(n)
        for s in spans {
            let count = (s.end - s.begin) / 4
            var values = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: base + s.begin + 4 * i, as: UInt32.self)
                    values[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            tensors[s.name] = Entry(shape: s.shape, values: values)
        }
        return (tensors, metadata)
    }

    /// A JSON string literal.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// One value of the header object: `__metadata__` (decided by its key) or a tensor description
/// whose fields are decoded leniently so the loader can name what is wrong.
private enum HeaderEntry: Decodable {
    case metadata([String: String])
    case badMetadata
    case notObject
    case tensor(dtype: String?, shape: [Int]?, offsets: [Int]?)

    private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

    init(from decoder: Decoder) throws {
        if decoder.codingPath.last?.stringValue == "__metadata__" {
            if let m = try? decoder.singleValueContainer().decode([String: String].self) { self = .metadata(m) } else { self = .badMetadata }
            return
        }
        guard let c = try? decoder.container(keyedBy: Keys.self) else { self = .notObject; return }
        self = .tensor(dtype: try? c.decode(String.self, forKey: .dtype),
                       shape: try? c.decode([Int].self, forKey: .shape),
                       offsets: try? c.decode([Int].self, forKey: .data_offsets))
    }
}
