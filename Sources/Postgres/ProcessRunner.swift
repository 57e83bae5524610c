import Foundation

/// Runs an external program (the PostgreSQL server tools) and captures its output.
enum ProcessRunner {
    struct Output { let status: Int32; let output: String }

    /// Runs `argv` (argv[0] is a path), optionally as another OS user via `runuser -u USER --`.
    static func run(_ argv: [String], asUser: String? = nil, environment: [String: String]? = nil) throws -> Output {
        var args = argv
        if let u = asUser { args = ["/usr/sbin/runuser", "-u", u, "--"] + argv }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        if let environment { p.environment = environment }
        // Output goes to a temporary file, not a pipe: `pg_ctl start` leaves the server holding
        // its stdout, so a pipe would never reach end-of-file.
        let outPath = NSTemporaryDirectory() + "kneeflow-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
              let out = FileHandle(forWritingAtPath: outPath) else {
            throw PostgresError(.cluster, "cannot create \(outPath)")
        }
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            try? out.close()
            throw PostgresError(.cluster, "cannot run \(args[0]): \(error.localizedDescription)")
        }
        p.waitUntilExit()
        try? out.close()
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return Output(status: p.terminationStatus, output: text)
    }
}
