import Common

/// The error type of the `Classifier` module: a code, the file (when one is involved) and a
/// one-line, log-safe message.
public struct ClassifierError: ModuleError, Equatable {
    /// What kind of problem it is.
    public enum Code: String, Sendable {
        case io              // cannot open / read / write a file
        case truncated       // file shorter than its header promises
        case header          // safetensors header is not valid JSON / not the expected structure
        case dtype           // a tensor's dtype is not F32 (or an .npy dtype we do not read)
        case shape           // a tensor's shape does not match the architecture, or sizes disagree
        case offsets         // data_offsets out of range, overlapping, or leaving holes
        case missingTensor   // a tensor the architecture needs is absent
        case unexpectedTensor // a tensor the architecture does not know
        case architecture    // metadata lacks or has an invalid architecture description
        case argument        // invalid parameter (options, labels, empty training set, …)
        case value           // non-finite values where finite ones are required
    }
    public let code: Code
    public let message: String
    public let file: String?

    public init(_ code: Code, _ message: String, file: String? = nil) {
        self.code = code; self.message = message; self.file = file
    }
}
