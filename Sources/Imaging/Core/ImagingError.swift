import Common

/// The error type of the `Imaging` module: a code, the file (when one is involved) and a
/// one-line, log-safe message.
public struct ImagingError: ModuleError, Equatable {
    /// What kind of problem it is. The chain handler (Pipeline) reports every `ImagingError`
    /// of reading and preprocessing, `.io` included, as a permanent input error.
    public enum Code: String, Sendable {
        case io            // cannot open / read / write
        case format        // not the format it claims, bad magic, bad header
        case truncated     // fewer bytes than the header promises
        case dtype         // unsupported element type
        case unsupported   // an encoding the decoder cannot handle (a DICOM transfer syntax, colour)
        case shape         // zero-length axis, wrong rank, inconsistent sizes
        case nonFinite     // NaN or Inf samples
        case tooLarge      // would exceed the memory budget
        case value         // invalid values (negative where non-negative needed, all zero, …)
        case argument      // invalid parameter
    }
    public let code: Code
    public let message: String
    public let file: String?

    public init(_ code: Code, _ message: String, file: String? = nil) {
        self.code = code; self.message = message; self.file = file
    }
}
