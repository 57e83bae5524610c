/// The parsed header of a `.npy` file: element type, byte order, memory order, shape.
///
/// The header is a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 5), }` padded with spaces and a
/// newline. It is parsed by a small literal parser (strings, integers with an optional Python 2
/// `L` suffix, True/False/None, tuples, lists, dicts; nesting limited to 8) and must contain
/// exactly the keys `descr`, `fortran_order` and `shape`.
struct NpyHeader: Equatable {
    var type: SampleType
    var bigEndian: Bool
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses the dict text of the header.
    /// - Throws: `ImagingError(.format)` for anything that is not such a dict, `.dtype` for an
    ///   element type the readers do not decode (complex, object, strings, structured, float16…).
    static func parse(_ bytes: [UInt8], file: String) throws -> NpyHeader {
        var parser = PyLiteralParser(bytes: bytes, file: file)
        let value = try parser.parseTopLevel()
        guard case .dict(let entries) = value else {
            throw ImagingError(.format, "npy header is not a dict", file: file)
        }
        var descrValue: PyValue?, fortran: Bool?, shape: [Int]?
        for (key, v) in entries {
            switch key {
            case "descr":
                guard descrValue == nil else { throw ImagingError(.format, "npy header repeats 'descr'", file: file) }
                descrValue = v
            case "fortran_order":
                guard fortran == nil, case .bool(let b) = v else {
                    throw ImagingError(.format, "npy header 'fortran_order' must be True or False, once", file: file)
                }
                fortran = b
            case "shape":
                guard shape == nil, case .tuple(let items) = v else {
                    throw ImagingError(.format, "npy header 'shape' must be a tuple, once", file: file)
                }
                shape = try items.map {
                    guard case .int(let n) = $0, n >= 0 else {
                        throw ImagingError(.format, "npy header shape entries must be non-negative integers", file: file)
                    }
                    return n
                }
            default:
                throw ImagingError(.format, "npy header has unexpected key '\(key)'", file: file)
            }
        }
        guard let descrValue, let fortran, let shape else {
            throw ImagingError(.format, "npy header lacks one of 'descr', 'fortran_order', 'shape'", file: file)
        }
        guard case .string(let descr) = descrValue else {
            throw ImagingError(.dtype, "structured npy dtypes are not supported", file: file)
        }
        let (type, big) = try parseDescr(descr, file: file)
        return NpyHeader(type: type, bigEndian: big, descr: descr, fortranOrder: fortran, shape: shape)
    }

    /// Maps a dtype string (`'<i2'`, `'>f8'`, `'|u1'`, `'=u2'`) to a sample type and byte order.
    /// `'|'` and `'='` (and no order character) mean the host order.
    static func parseDescr(_ descr: String, file: String) throws -> (SampleType, Bool) {
        var chars = Substring(descr)
        var big = hostIsBigEndian
        if let first = chars.first, "<>|=".contains(first) {
            if first == "<" { big = false } else if first == ">" { big = true }
            chars = chars.dropFirst()
        }
        let type: SampleType? = switch chars {
        case "u1", "B": .uint8
        case "i1", "b": .int8
        case "u2": .uint16
        case "i2": .int16
        case "u4": .uint32
        case "i4": .int32
        case "i8": .int64
        case "f4": .float32
        case "f8": .float64
        default: nil
        }
        guard let type else {
            throw ImagingError(.dtype, "unsupported npy dtype '\(descr)' (supported: u1 i1 u2 i2 u4 i4 i8 f4 f8)", file: file)
        }
        return (type, big)
    }
}

/// A value of the Python literal subset found in npy headers.
indirect enum PyValue: Equatable {
    case string(String), int(Int), bool(Bool), none
    case tuple([PyValue]), list([PyValue]), dict([(String, PyValue)])

    static func == (a: PyValue, b: PyValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.none, .none): true
        case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): x == y
        case (.dict(let x), .dict(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }
}

/// Recursive-descent parser for `PyValue` over the header bytes; every failure is a typed
/// `.format` error, never a crash (nesting is bounded).
struct PyLiteralParser {
    let bytes: [UInt8]
    let file: String
    var i = 0

    init(bytes: [UInt8], file: String) { self.bytes = bytes; self.file = file }

    mutating func parseTopLevel() throws -> PyValue {
        let v = try value(depth: 0)
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the header dict") }
        return v
    }

    private func fail(_ what: String) -> ImagingError {
        ImagingError(.format, "npy header: \(what) at byte \(i)", file: file)
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func expect(_ c: UInt8) throws {
        skipSpace()
        guard i < bytes.count, bytes[i] == c else { throw fail("expected '\(Character(UnicodeScalar(c)))'") }
        i += 1
    }

    private mutating func value(depth: Int) throws -> PyValue {
        guard depth < 8 else { throw fail("nesting too deep") }
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"):
            i += 1
            var entries: [(String, PyValue)] = []
            while true {
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .dict(entries) }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "'") || bytes[i] == UInt8(ascii: "\"") else {
                    throw fail("dict keys must be strings")
                }
                let key = try string()
                try expect(UInt8(ascii: ":"))
                entries.append((key, try value(depth: depth + 1)))
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .dict(entries)
            }
        case UInt8(ascii: "("): return .tuple(try sequence(close: UInt8(ascii: ")"), depth: depth))
        case UInt8(ascii: "["): return .list(try sequence(close: UInt8(ascii: "]"), depth: depth))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
        default:
            for (word, v) in [("True", PyValue.bool(true)), ("False", .bool(false)), ("None", .none)] {
                let w = Array(word.utf8)
                if bytes.count - i >= w.count, Array(bytes[i..<(i + w.count)]) == w { i += w.count; return v }
            }
            throw fail("unexpected character")
        }
    }

    private mutating func sequence(close: UInt8, depth: Int) throws -> [PyValue] {
        i += 1
        var items: [PyValue] = []
        while true {
            skipSpace()
            if i < bytes.count, bytes[i] == close { i += 1; return items }
            items.append(try value(depth: depth + 1))
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            try expect(close)
            return items
        }
    }

    private mutating func string() throws -> String {
        let quote = bytes[i]
        i += 1
        var out: [UInt8] = []
        while i < bytes.count, bytes[i] != quote {
            if bytes[i] == UInt8(ascii: "\\") { i += 1; guard i < bytes.count else { break } }
            out.append(bytes[i]); i += 1
        }
        guard i < bytes.count else { throw fail("unterminated string") }
        i += 1
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func integer() throws -> Int {
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var n = 0, digits = 0
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw fail("integer too large") }
            n = s; digits += 1; i += 1
        }
        guard digits > 0 else { throw fail("expected digits") }
        if i < bytes.count, bytes[i] == UInt8(ascii: "L") { i += 1 }
        return negative ? -n : n
    }
}
