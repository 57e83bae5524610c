import Common

/// The error type of the `Evaluation` module: a code plus a one-line, log-safe description.
public struct EvaluationError: ModuleError, Equatable {
    /// What went wrong, coarsely.
    public enum Code: String, Sendable {
        /// Scores and labels (or two paired score vectors) differ in length.
        case lengthMismatch
        /// A score is NaN or infinite.
        case nonFiniteScore
        /// Fewer than one positive or one negative case: the AUC is undefined.
        case oneClass
        /// DeLong's variance needs at least two positives and two negatives.
        case tooFewCases
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
}
