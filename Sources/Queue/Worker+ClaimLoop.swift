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

    /// Runs the handler for one job and records the outcome.
    func process(_ job: ClaimedJob, index: Int, conn: PostgresConnection) {
        var meta: Logger.Metadata = ["job.id": "\(job.id)", "attempt": "\(job.attempt)"]
        shared.withLock { $0.held[index] = job }
        defer { shared.withLock { s in if s.held[index]?.id == job.id { s.held[index] = nil } } }
        let outcome: Result<JobOutput, Error>
        do {
            let (run, handler) = try handlerFor(runId: job.runId, conn: conn)
            meta["run.name"] = "\(run.name.prefix(80))"
            outcome = .success(try handler.handle(job, run: run))
        } catch {
            outcome = .failure(error)
        }
        // The grace period may have run out and the job been released meanwhile; the lease token
        // fences anything we write now.
        switch outcome {
        case .success(let output):
            let ok = withReconnect(conn, deadline: Date().addingTimeInterval(max(30, options.leaseSeconds))) { c -> Bool in
                do {
                    return try c.query(QueueSQL.complete(jobId: job.id, token: job.leaseToken, output: output))
                        .first?.decode(Bool.self, column: "ok") ?? false
                } catch let e as PostgresError where !e.isConnectionLoss {
                    // The result itself is unacceptable (e.g. invalid metrics JSON): fail the job.
                    let state = try c.query(QueueSQL.fail(jobId: job.id, token: job.leaseToken,
                                                         error: "cannot store result: \(e)", retryDelay: nil))
                    _ = state
                    return false
                }
            }
            if ok == true {
                shared.withLock { $0.summary.succeeded += 1 }
                logger.debug("job succeeded", metadata: meta)
            } else if wasRecorded(job, conn: conn) {
                shared.withLock { $0.summary.succeeded += 1 }
            } else {
                shared.withLock { $0.summary.leaseLost += 1 }
                logger.warning("lease lost; completion rejected, nothing written", metadata: meta)
            }
        case .failure(let error):
            let (kind, text): (RetryPolicy.Outcome, String)
            switch error {
            case JobError.permanent(let m): (kind, text) = (.permanent, m)
            case JobError.transient(let m): (kind, text) = (.transient, m)
            case let q as QueueError where q.code == .handler: (kind, text) = (.permanent, q.description)
            default: (kind, text) = (.transient, String(describing: error))
            }
            let now = Date()
            let decision = options.retryPolicy.decide(kind, attempt: job.attempt, maxAttempts: job.maxAttempts,
                                                      now: now, unit: Double.random(in: 0..<1))
            var delay: Double? = nil
            if case .retry(let at) = decision { delay = max(0, at.timeIntervalSince(now)) }
            let state = withReconnect(conn, deadline: Date().addingTimeInterval(max(30, options.leaseSeconds))) { c in
                try c.query(QueueSQL.fail(jobId: job.id, token: job.leaseToken, error: String(text.prefix(10_000)), retryDelay: delay))
                    .first?.decode(JobState?.self, column: "state")
            } ?? nil
            meta["error"] = "\(text.prefix(300))"
            switch state {
            case .queued?: shared.withLock { $0.summary.retried += 1 }; logger.warning("job failed; will retry", metadata: meta)
            case .failed?: shared.withLock { $0.summary.failed += 1 }; logger.error("job failed", metadata: meta)
            default: shared.withLock { $0.summary.leaseLost += 1 }; logger.warning("lease lost; failure not recorded", metadata: meta)
            }
        }
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
                  leaseToken: try row.decode(String.self, column: "lease_token"))
    }
}
