/// The element types the readers decode, with their byte order. Every type is converted to
/// float32 (integers exactly up to 2^24 in magnitude, beyond that rounded to nearest; float64
/// rounded to nearest float32).
enum SampleType: Sendable, Equatable {
    case uint8, int8, uint16, int16, uint32, int32, int64, float32, float64

    /// Bytes per sample.
    var size: Int {
        switch self {
        case .uint8, .int8: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    /// NumPy's name for the type ("uint8", "int16", "float32", …).
    var name: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .int64: "int64"
        case .float32: "float32"
        case .float64: "float64"
        }
    }

    var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}

/// True on a big-endian host (never on the platforms we build for, but stated rather than assumed).
let hostIsBigEndian = UInt16(1).bigEndian == 1

/// Overflow-safe product of non-negative sizes; nil on overflow.
func checkedProduct(_ factors: [Int]) -> Int? {
    var total = 1
    for f in factors {
        let (p, overflow) = total.multipliedReportingOverflow(by: f)
        if overflow { return nil }
        total = p
    }
    return total
}

/// Checks that decoding `count` samples of `type` fits the memory budget: the raw bytes plus
/// the float32 output, computed without overflow.
/// - Throws: `ImagingError(.tooLarge)` naming the need and the budget.
func checkBudget(count: Int, type: SampleType, budget: Int, dims: String, file: String) throws {
    guard let need = checkedProduct([count, type.size + 4]), need <= budget else {
        let need = checkedProduct([count, type.size + 4]).map { "\($0) bytes" } ?? "more than 2^63 bytes"
        throw ImagingError(.tooLarge, "\(dims) \(type.name) needs \(need), memory budget is \(budget) bytes", file: file)
    }
}
