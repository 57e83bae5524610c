/// What this build is: the code version recorded on every run (`runs.code_version`), every worker
/// row and every report, and printed by `kneeflow --version`.
public enum BuildInfo {
    /// The git commit the binary was built from (12 hex digits), `"unknown"` when it was built
    /// outside a git checkout (a tarball).
    public static let commit = GitStamp.commit

    /// True when tracked files differed from `commit` at build time.
    public static let dirty = GitStamp.dirty

    /// `commit`, with `-dirty` appended for a build of uncommitted changes; `"unknown"` without git.
    public static var codeVersion: String {
        commit == "unknown" ? "unknown" : commit + (dirty ? "-dirty" : "")
    }
}
