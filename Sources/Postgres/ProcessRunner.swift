import Foundation

/// Runs an external program (the PostgreSQL server tools) and captures its output.
///
/// Uses `posix_spawn` + `waitpid` rather than Foundation's `Process`: `pg_ctl start` leaves a
/// daemon behind that inherits the child's descriptors, and Foundation's termination monitoring
/// then never sees the child exit.
enum ProcessRunner {
    struct Output { let status: Int32; let output: String }

    /// Runs `argv` (argv[0] is a path), optionally as another OS user via `runuser -u USER --`.
    /// stdout and stderr go to a temporary file that is read back.
    static func run(_ argv: [String], asUser: String? = nil) throws -> Output {
        var args = argv
        if let u = asUser { args = ["/usr/sbin/runuser", "-u", u, "--"] + argv }
        let outPath = NSTemporaryDirectory() + "kneeflow-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else is inherited: a server daemon holding our parent's descriptors (e.g. the
        // pipe or socket a supervising process watches for our exit) would keep them open forever.
        _ = spawnAddCloseFrom(&actions, 3)
        let cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &actions, nil, cargs, environ)
        guard rc == 0 else { throw PostgresError(.cluster, "cannot run \(args[0]): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw PostgresError(.cluster, "waitpid failed for \(args[0]): errno \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS by hand (macros are not imported).
        let exited = (status & 0x7f) == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return Output(status: code, output: text)
    }
}

/// glibc ≥ 2.34's `posix_spawn_file_actions_addclosefrom_np` (not exposed by the Glibc module
/// because it needs _GNU_SOURCE); plain C ABI, so it can be bound by symbol name.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
