import BuildInfo

/// The code version recorded on every run and in every report: the git commit and dirty flag at
/// build time (see `BuildInfo`).
enum KneeFlowVersion {
    static let string = BuildInfo.codeVersion
}
