import Foundation

/// Deterministic JSON encoding (sorted keys, no escaping of `/`), so that hashes of configurations
/// and reports are reproducible byte for byte.
public enum CanonicalJSON {
    /// Encodes a value with sorted keys; `pretty` adds indentation for files people read.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) } catch {
            throw CommonError(.encoding, "cannot encode \(T.self) as JSON: \(error)")
        }
    }

    /// Encodes to a UTF-8 string.
    public static func string<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        String(decoding: try encode(value, pretty: pretty), as: UTF8.self)
    }
}
