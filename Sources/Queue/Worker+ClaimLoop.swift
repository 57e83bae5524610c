import Common
import Foundation
import Logging
import Postgres

extension Worker {
    /// One claim loop: claim, run the handler, complete or fail; wait (LISTEN or poll) when idle.
    /// Its first connection retries with backoff (bounded by `connectTimeout` with
    /// `exitWhenIdle`, else until the worker stops).
    func claimLoop(index: Int) {
        let timeout = options.exitWhenIdle ? options.connectTimeout : .infinity
        do {
            let c = try PostgresConnection.connect(resolver: resolver, timeout: timeout, logger: logger,
                                                   shouldStop: { [self] in stopping })
            claimLoop(index: index, conn: c)
        } catch {
            if options.exitWhenIdle && !stopping { databaseLost(error) }
            logger.error("claim loop cannot connect", metadata: ["error": "\(error)"])
        }
    }

    func claimLoop(index: Int, conn: PostgresConnection) {
        defer { conn.close() }
        if options.listen { withReconnect(conn) { c in try c.listen(QueueSQL.channel) } }
        while !stopping {
            let want = shared.withLock { s -> Int in
                let left = options.maxJobs.map { $0 - s.claimed } ?? Int.max
                let n = max(0, min(options.batchSize, left))
                s.claimed += n
                return n
            }
            if want == 0 { return }
            let claimed = withReconnect(conn, deadline: .distantFuture) { c in
                try c.query(QueueSQL.claim(worker: id, leaseSeconds: options.leaseSeconds, limit: want, runId: options.runId))
                    .map(ClaimedJob.init(row:))
            } ?? []
            shared.withLock { $0.claimed -= want - claimed.count }
            if claimed.isEmpty {
                if !idleWait(conn) { return }
                continue
            }
            for job in claimed {
                if stopping {
                    // Not started yet: give it back without charging an attempt.
                    _ = withReconnect(conn, deadline: Date().addingTimeInterval(10)) { c in
                        try c.query(QueueSQL.release(jobId: job.id, token: job.leaseToken))
                    }
                    shared.withLock { $0.summary.released += 1 }
                    continue
                }
                process(job, index: index, conn: conn)
            }
        }
    }

    /// Waits for work. Returns false when the loop should end (idle exit or stop).
    func idleWait(_ conn: PostgresConnection) -> Bool {
        let pending = withReconnect(conn) { c -> (Int, Int, Double?)? in
            guard let r = try c.query(QueueSQL.pending(runId: options.runId)).first else { return nil }
            return (try r.decode(Int.self, column: "queued"), try r.decode(Int.self, column: "running"),
                    try r.decode(Double?.self, column: "next_due_s"))
        } ?? nil
        if options.exitWhenIdle, let p = pending, p.0 == 0, p.1 == 0 { return false }
        var timeout = options.pollInterval
        if let due = pending?.2 { timeout = min(timeout, max(0.02, due)) }
        // Jobs running elsewhere may come back (retry, expired lease) or finish (idle exit):
        // look again soon rather than after a full poll interval.
        if pending?.1 ?? 0 > 0 { timeout = min(timeout, 1.0, max(0.1, options.leaseSeconds / 4)) }
        let deadline = Date().addingTimeInterval(timeout)
        while !stopping && Date() < deadline {
            let slice = min(0.25, deadline.timeIntervalSinceNow)
            if slice <= 0 { break }
            if options.listen {
                let got = withReconnect(conn) { c in try c.waitForNotification(timeout: slice) }
                if got != nil, got! != nil { return true }
            } else {
                Thread.sleep(forTimeInterval: slice)
            }
        }
        return true
    }

    /// After a completion whose reply was lost with the connection: did it commit?
    func wasRecorded(_ job: ClaimedJob, conn: PostgresConnection) -> Bool {
        let outcome = withReconnect(conn, deadline: Date().addingTimeInterval(30)) { c in
            try c.query(QueueSQL.attemptOutcome(token: job.leaseToken)).first?.decode(String.self, column: "outcome")
        } ?? nil
        return outcome.flatMap(AttemptOutcome.init(rawValue:)) == .succeeded
    }

    /// The run and its handler (cached per run).
    func handlerFor(runId: Int64, conn: PostgresConnection) throws -> (RunInfo, any JobHandler) {
        if let h = shared.withLock({ $0.handlers[runId] }) { return h }
        guard let run = withReconnect(conn, { c in try c.query(QueueSQL.runById(runId)).first.map(RunInfo.init(row:)) }) ?? nil else {
            throw JobError.transient("cannot load run \(runId)")
        }
        let handler: any JobHandler
        do { handler = try factory(run) } catch {
            throw JobError.permanent("no handler for run \(run.name.prefix(80)): \(error)")
        }
        shared.withLock { $0.handlers[runId] = (run, handler) }
        return (run, handler)
    }
}

extension ClaimedJob {
    init(row: PostgresRow) throws {
        self.init(id: try row.decode(Int64.self, column: "id"), runId: try row.decode(Int64.self, column: "run_id"),
                  dataset: try row.decode(String.self, column: "dataset"), caseId: try row.decode(String.self, column: "case_id"),
                  inputPath: try row.decode(String.self, column: "input_path"),
                  inputSHA256: try row.decode(String?.self, column: "input_sha256"),
                  label: try row.decode(Int?.self, column: "label"), attempt: try row.decode(Int.self, column: "attempt"),
                  maxAttempts: try row.decode(Int.self, column: "max_attempts"),
                  leaseToken: try row.decode(String.self, column: "lease_token"),
                  inputRoot: try row.decode(String?.self, column: "input_root"))
    }
}
