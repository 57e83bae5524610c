import Foundation

/// A small tmpfs for tests that need a really full device (ENOSPC): `mount -t tmpfs` needs root
/// (CI runs as root); callers skip, saying so, when it fails.
public enum TmpfsMount {
    /// Mounts a tmpfs of `size` (mount's syntax: "64k", "16m") at `path`; false when not allowed.
    public static func mount(_ path: String, size: String) -> Bool {
        run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", path])
    }

    /// Changes the size of a mounted tmpfs (the full device gets room again).
    @discardableResult
    public static func resize(_ path: String, size: String) -> Bool {
        run(["/bin/mount", "-o", "remount,size=\(size)", path])
    }

    /// Unmounts it (lazily, so a test's open files never block the unmount).
    public static func unmount(_ path: String) { _ = run(["/bin/umount", "-l", path]) }

    static func run(_ argv: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
