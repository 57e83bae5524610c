/// The error type of the `Common` module: a code plus a one-line, log-safe description.
public struct CommonError: ModuleError {
    /// What went wrong, coarsely.
    /// `refused`: a path outside its root, a symlink where none may be, or not a regular file.
    /// `tooLarge`: more bytes than the caller's budget. `storageFull`: ENOSPC or EDQUOT while
    /// writing (the disk, not the job, is at fault).
    public enum Code: String, Sendable { case io, encoding, refused, tooLarge, storageFull }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
}
