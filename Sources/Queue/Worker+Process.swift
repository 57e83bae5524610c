import Common
import Dispatch
import Foundation
import Logging
import Postgres

extension Worker {
    /// Runs the handler for one job under its deadline and records the outcome.
    ///
    /// The handler runs on a thread of its own; the claim loop waits for it at most the job's
    /// deadline (`--deadline`, else the run configuration's `deadlineSeconds`, else
    /// `WorkerOptions.defaultDeadline`). A handler still running then is abandoned: Swift cannot
    /// kill a thread, so the job stops being heartbeated, is failed with kind `deadline`, and the
    /// loop claims on. When the abandoned handler returns, its output is thrown away and its
    /// attempt directory removed. More than `maxAbandoned` abandoned handlers still running
    /// make the worker drain and stop (`WorkerSummary.abandonedLimitReached`; `kneeflow work`
    /// exits 6 for its supervisor to restart it), so stuck threads cannot pile up.
    func process(_ job: ClaimedJob, index: Int, conn: PostgresConnection) {
        var meta: Logger.Metadata = ["job.id": "\(job.id)", "attempt": "\(job.attempt)"]
        shared.withLock { $0.held[index] = job }
        defer { shared.withLock { s in if s.held[index]?.id == job.id { s.held[index] = nil } } }
        let run: RunInfo, handler: any JobHandler
        do { (run, handler) = try handlerFor(runId: job.runId, conn: conn) } catch {
            recordFailure(error, job: job, conn: conn, meta: meta)
            return
        }
        meta["run.name"] = "\(run.name.prefix(80))"
        let seconds = options.deadlineOverride ?? run.deadlineSeconds ?? options.defaultDeadline
        shared.withLock { $0.deadlines[job.id] = Date().addingTimeInterval(seconds) }
        defer { shared.withLock { _ = $0.deadlines.removeValue(forKey: job.id) } }
        guard let outcome = runWithDeadline(job, run: run, handler: handler, seconds: seconds) else {
            // Abandoned: stop heartbeating it at once, then fail it.
            shared.withLock { s in if s.held[index]?.id == job.id { s.held[index] = nil } }
            let text = "deadline: the handler was still running after \(Self.seconds(seconds)) s; attempt abandoned (the worker lives on)"
            recordFailure(JobError.transient(text), job: job, conn: conn, meta: meta, kind: .deadline)
            let (running, limitHit) = shared.withLock { s -> (Int, Bool) in
                s.summary.abandoned += 1
                return (s.abandonedRunning, s.abandonedRunning > options.maxAbandoned)
            }
            if limitHit {
                shared.withLock { $0.summary.abandonedLimitReached = true }
                logger.error("too many abandoned handlers still running; draining and stopping (a supervisor should restart the worker)",
                             metadata: ["abandoned.running": "\(running)", "abandoned.max": "\(options.maxAbandoned)"])
                requestStop()
            }
            return
        }
        switch outcome {
        case .success(let output): recordSuccess(output, job: job, run: run, handler: handler, conn: conn, meta: meta)
        case .failure(let error):
            handler.discardAttempt(job, run: run)
            recordFailure(error, job: job, conn: conn, meta: meta)
        }
    }

    /// The handler's result, or `nil` when it was abandoned at the deadline.
    func runWithDeadline(_ job: ClaimedJob, run: RunInfo, handler: any JobHandler, seconds: Double) -> Result<JobOutput, Error>? {
        final class Box: @unchecked Sendable {   // guarded by `lock`
            let lock = NSLock()
            var result: Result<JobOutput, Error>?
            var abandoned = false
            let done = DispatchSemaphore(value: 0)
        }
        let box = Box()
        let thread = Thread { [self] in
            let r = Result { try handler.handle(job, run: run) }
            let abandoned = box.lock.withLock { box.result = r; return box.abandoned }
            if abandoned {
                handler.discardAttempt(job, run: run)
                shared.withLock { $0.abandonedRunning -= 1 }
                logger.warning("an abandoned handler returned; its output was discarded", metadata: ["job.id": "\(job.id)"])
            }
            box.done.signal()
        }
        thread.name = "kneeflow-job-\(job.id)"
        thread.stackSize = 16 << 20
        thread.start()
        let wait = min(max(seconds, 0), 1e9)
        if box.done.wait(timeout: .now() + .nanoseconds(Int(wait * 1e9))) == .timedOut {
            let abandoned = box.lock.withLock { () -> Bool in
                guard box.result == nil else { return false }
                box.abandoned = true
                shared.withLock { $0.abandonedRunning += 1 }
                return true
            }
            if abandoned { return nil }
        }
        return box.lock.withLock { box.result }
    }

    /// Completes a job (fenced by its lease token). A rejected completion (the lease was lost:
    /// another worker owns or finished the job) discards this attempt's files.
    func recordSuccess(_ output: JobOutput, job: ClaimedJob, run: RunInfo, handler: any JobHandler,
                       conn: PostgresConnection, meta: Logger.Metadata) {
        let ok = withReconnect(conn, deadline: Date().addingTimeInterval(max(30, options.leaseSeconds))) { c -> Bool in
            do {
                return try c.query(QueueSQL.complete(jobId: job.id, token: job.leaseToken, output: output))
                    .first?.decode(Bool.self, column: "ok") ?? false
            } catch let e as PostgresError where !e.isConnectionLoss {
                // The result itself is unacceptable (e.g. invalid metrics JSON): fail the job.
                _ = try c.query(QueueSQL.fail(jobId: job.id, token: job.leaseToken,
                                              error: "cannot store result: \(e)", retryDelay: nil))
                return false
            }
        }
        if ok == true {
            shared.withLock { $0.summary.succeeded += 1; $0.storeFullDelay = nil }
            logger.debug("job succeeded", metadata: meta)
        } else if wasRecorded(job, conn: conn) {
            shared.withLock { $0.summary.succeeded += 1; $0.storeFullDelay = nil }
        } else {
            handler.discardAttempt(job, run: run)
            shared.withLock { $0.summary.leaseLost += 1 }
            logger.warning("lease lost; completion rejected, this attempt's files removed", metadata: meta)
        }
    }

    /// Records a failed attempt with its kind; a full artifact store releases the job uncharged
    /// and pauses this claim loop instead.
    func recordFailure(_ error: Error, job: ClaimedJob, conn: PostgresConnection, meta: Logger.Metadata,
                       kind forced: AttemptErrorKind? = nil) {
        var meta = meta
        let (outcome, kind, text): (RetryPolicy.Outcome, AttemptErrorKind, String)
        switch error {
        case JobError.storageFull(let m): return storeFull(job, m, conn: conn, meta: meta)
        case let c as CommonError where c.code == .storageFull: return storeFull(job, c.description, conn: conn, meta: meta)
        case JobError.inputRefused(let m): (outcome, kind, text) = (.permanent, .inputRefused, m)
        case let c as CommonError where c.code == .refused || c.code == .tooLarge: (outcome, kind, text) = (.permanent, .inputRefused, c.description)
        case JobError.permanent(let m): (outcome, kind, text) = (.permanent, .handlerError, m)
        case JobError.transient(let m): (outcome, kind, text) = (.transient, .handlerError, m)
        case let q as QueueError where q.code == .handler: (outcome, kind, text) = (.permanent, .handlerError, q.description)
        default: (outcome, kind, text) = (.transient, .handlerError, String(describing: error))
        }
        let now = Date()
        let decision = options.retryPolicy.decide(outcome, attempt: job.attempt, maxAttempts: job.maxAttempts,
                                                  now: now, unit: Double.random(in: 0..<1))
        var delay: Double? = nil
        if case .retry(let at) = decision { delay = max(0, at.timeIntervalSince(now)) }
        let recordedKind = forced ?? kind
        let state = withReconnect(conn, deadline: Date().addingTimeInterval(max(30, options.leaseSeconds))) { c in
            try c.query(QueueSQL.fail(jobId: job.id, token: job.leaseToken, error: String(text.prefix(10_000)),
                                      retryDelay: delay, kind: recordedKind))
                .first?.decode(JobState?.self, column: "state")
        } ?? nil
        meta["error"] = "\(text.prefix(300))"
        meta["error.kind"] = "\(recordedKind)"
        switch state {
        case .queued?: shared.withLock { $0.summary.retried += 1 }; logger.warning("job failed; will retry", metadata: meta)
        case .failed?: shared.withLock { $0.summary.failed += 1 }; logger.error("job failed", metadata: meta)
        default: shared.withLock { $0.summary.leaseLost += 1 }; logger.warning("lease lost; failure not recorded", metadata: meta)
        }
    }

    /// ENOSPC/EDQUOT: the job is given back without charging its attempt, and this claim loop
    /// pauses, each consecutive time twice as long (from `storeFullPause` up to
    /// `storeFullMaxPause`), until a job completes again.
    func storeFull(_ job: ClaimedJob, _ reason: String, conn: PostgresConnection, meta: Logger.Metadata) {
        let ok = withReconnect(conn, deadline: Date().addingTimeInterval(max(30, options.leaseSeconds))) { c in
            try c.query(QueueSQL.release(jobId: job.id, token: job.leaseToken, kind: .storeFull)).first?.decode(Bool.self, column: "ok")
        } ?? nil
        let pause = shared.withLock { s -> Double in
            s.held = s.held.filter { $0.value.id != job.id }   // given back: no longer heartbeated
            let next = s.storeFullDelay.map { min($0 * 2, options.storeFullMaxPause) } ?? options.storeFullPause
            s.storeFullDelay = next
            s.summary.storeFullPauses += 1
            if ok == true { s.summary.released += 1 }
            return next
        }
        var m = meta
        m["error"] = "\(reason.prefix(300))"
        m["released"] = "\(ok == true)"
        logger.error("artifact store full: pausing \(Self.seconds(pause)) s (job released without charging its attempt)", metadata: m)
        let until = Date().addingTimeInterval(pause)
        while !stopping && Date() < until { Thread.sleep(forTimeInterval: min(0.1, max(0, until.timeIntervalSinceNow))) }
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s) }
}
