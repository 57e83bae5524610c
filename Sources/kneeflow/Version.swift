/// The code version recorded on every run and in every report.
enum KneeFlowVersion {
    static let string = "0.1.0"
}
