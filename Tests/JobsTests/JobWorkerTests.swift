import Core
import Database
import Foundation
import Jobs
import Synchronization
import Testing
import TestSupport

/// The job queue and its worker against a real database, on a clock the tests move by hand.
@Suite("Jobs: the queue and its workers")
struct JobWorkerTests {
    /// A clock that stands still until moved; its sleep only yields.
    final class ManualClock: Sendable {
        let current: Mutex<Date>

        init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

        var now: Date { current.withLock { $0 } }

        func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

        var clock: JobClock { JobClock(now: { self.now }, sleep: { _ in await Task.yield() }) }
    }

    /// Runs `body` with a queue on a fresh database.
    static func withQueue(_ body: @Sendable (JobQueue) async throws -> Void) async throws {
        try await TestCluster.shared.withDatabase { database in
            try await database.withPool(logger: TestCluster.logger) { pool in
                try await body(JobQueue(database: SQLRunner(pool: pool, logger: TestCluster.logger)))
            }
        }
    }

    static func worker(_ queue: JobQueue, _ name: String, _ clock: ManualClock, concurrency: Int = 4, lease: Duration = .seconds(60),
                       _ handlers: [JobHandler]) -> JobWorker {
        JobWorker(
            queue: queue, handlers: handlers,
            settings: .init(concurrency: concurrency, lease: lease, retry: RetryPolicy(base: .seconds(10), maximum: .seconds(60), jitter: 0)),
            clock: clock.clock, logger: TestCluster.logger, name: name)
    }

    @Test("two workers racing over 60 jobs run each exactly once, and an idempotency key enqueues once")
    func eachJobOnce() async throws {
        try await Self.withQueue { queue in
            let clock = ManualClock()
            var ids: Set<UUID> = []
            for number in 0..<60 {
                ids.insert(try await queue.enqueue(kind: "count", payload: #"{"n":\#(number)}"#, runAt: clock.now, now: clock.now))
            }
            let again = try await queue.enqueue(kind: "count", runAt: clock.now, now: clock.now, idempotencyKey: "once")
            #expect(try await queue.enqueue(kind: "count", runAt: clock.now, now: clock.now, idempotencyKey: "once") == again)
            ids.insert(again)

            let runs = Mutex<[UUID: Int]>([:])
            let handler = JobHandler(kind: "count") { job in runs.withLock { $0[job.id, default: 0] += 1 } }
            let workers = [Self.worker(queue, "a", clock, [handler]), Self.worker(queue, "b", clock, [handler])]
            await withTaskGroup(of: Void.self) { group in
                for worker in workers {
                    group.addTask { while await worker.runOnce() > 0 {} }
                }
            }
            let counted = runs.withLock { $0 }
            #expect(Set(counted.keys) == ids)
            #expect(counted.values.allSatisfy { $0 == 1 }, "every job ran once")
            #expect(try await queue.list(state: "succeeded", limit: 100).count == 61)
        }
    }

    @Test("a failing job waits for the policy's backoff, becomes a dead letter when its attempts are spent, and runs again when retried")
    func retriesThenDeadLetter() async throws {
        try await Self.withQueue { queue in
            let clock = ManualClock()
            let id = try await queue.enqueue(kind: "flaky", runAt: clock.now, now: clock.now, maxAttempts: 3)
            let failing = Mutex(true)
            struct Refused: Error, CustomStringConvertible { var description: String { "the relay refused" } }
            let worker = Self.worker(queue, "w", clock, [JobHandler(kind: "flaky") { _ in if failing.withLock({ $0 }) { throw Refused() } }])

            #expect(await worker.runOnce() == 1, "attempt 1 fails")
            clock.advance(9)
            #expect(await worker.runOnce() == 0, "not before 10 s")
            clock.advance(1)
            #expect(await worker.runOnce() == 1, "attempt 2 after 10 s fails")
            clock.advance(19)
            #expect(await worker.runOnce() == 0, "the wait doubled")
            clock.advance(1)
            #expect(await worker.runOnce() == 1, "attempt 3 after 20 s fails")
            clock.advance(3_600)
            #expect(await worker.runOnce() == 0, "a dead letter is not run")

            let dead = try await queue.list(state: "dead", limit: 10)
            #expect(dead.map(\.id) == [id])
            #expect(dead.first?.attempts == 3)
            #expect(dead.first?.lastError == "the relay refused")

            #expect(try await queue.retry(id, now: clock.now))
            #expect(try await queue.retry(id, now: clock.now) == false, "only a dead letter is retried")
            failing.withLock { $0 = false }
            #expect(await worker.runOnce() == 1)
            #expect(try await queue.list(state: "succeeded", limit: 10).map(\.id) == [id])
        }
    }

    @Test("a killed worker's job runs again once its lease runs out; the dead worker's late outcome is dropped")
    func expiredLease() async throws {
        try await Self.withQueue { queue in
            let clock = ManualClock()
            let id = try await queue.enqueue(kind: "mail", runAt: clock.now, now: clock.now)
            // The first worker takes the job and dies: it never reports.
            #expect(try await queue.claim(worker: "killed", kinds: ["mail"], now: clock.now, lease: .seconds(60), limit: 10).map(\.id) == [id])
            let runs = Mutex(0)
            let worker = Self.worker(queue, "survivor", clock, [JobHandler(kind: "mail") { _ in runs.withLock { $0 += 1 } }])
            clock.advance(59)
            #expect(await worker.runOnce() == 0, "leased")
            clock.advance(1)
            #expect(await worker.runOnce() == 1, "the lease ran out")
            #expect(runs.withLock { $0 } == 1)
            #expect(try await queue.finish(id, worker: "killed", now: clock.now) == false)
            #expect(try await queue.list(state: "succeeded", limit: 10).first?.attempts == 2)
        }
    }

    @Test("a job still running when its worker is cancelled (a graceful shutdown) is released, its attempt not counted")
    func shutdownReleases() async throws {
        try await Self.withQueue { queue in
            let clock = ManualClock()
            let id = try await queue.enqueue(kind: "render", runAt: clock.now, now: clock.now)
            let (started, startedSignal) = AsyncStream<Void>.makeStream()
            let worker = Self.worker(queue, "w", clock, [JobHandler(kind: "render") { _ in
                startedSignal.yield()
                // Long work that stops when cancelled.
                while true { try await Task.sleep(for: .milliseconds(20)) }
            }])
            let running = Task { await worker.runOnce() }
            for await _ in started { break }
            running.cancel()
            #expect(await running.value == 1)
            let job = try await queue.list(state: nil, limit: 10).first
            #expect(job?.id == id)
            #expect(job?.state == "queued")
            #expect(job?.attempts == 0)
        }
    }

    @Test("schedulers in two processes enqueue each period's job once; the upkeep jobs all run")
    func schedule() async throws {
        try await Self.withQueue { (queue) async throws in
            let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
            let schedulers = (0..<2).map { _ in JobScheduler(queue: queue, entries: MaintenanceJobs.schedule, clock: clock.clock, logger: TestCluster.logger) }
            await withTaskGroup(of: Void.self) { group in
                for scheduler in schedulers { group.addTask { await scheduler.tick(); await scheduler.tick() } }
            }
            #expect(try await queue.list(state: "queued", limit: 100).count == MaintenanceJobs.schedule.count)
            clock.advance(3_600)
            await schedulers[0].tick()
            // An hour later (the same day): a new period for every entry of an hour or less.
            let hourly = MaintenanceJobs.schedule.filter { $0.every <= .seconds(3_600) }.count
            #expect(try await queue.list(state: "queued", limit: 100).count == MaintenanceJobs.schedule.count + hourly, "one more per hourly entry")

            // The upkeep jobs call the migrations' functions without error.
            let worker = Self.worker(queue, "upkeep", clock, concurrency: 32, MaintenanceJobs.handlers(database: queue.database))
            #expect(await worker.runOnce() == MaintenanceJobs.schedule.count + hourly)
            #expect(try await queue.list(state: "succeeded", limit: 100).count == MaintenanceJobs.schedule.count + hourly)
            #expect(try await queue.list(state: "dead", limit: 100).isEmpty)
        }
    }

    @Test("a user's weekly review is written at their weekday and hour: scheduled, enqueued, computed")
    func weeklyReview() async throws {
        try await Self.withQueue { (queue) async throws in
            // Monday 2026-11-30, 09:15 in Tokyo.
            let clock = ManualClock(Date(timeIntervalSince1970: 1_795_997_700))
            let user = UUID()
            try await queue.database.execute(SQLStatement("""
                WITH u AS (INSERT INTO auth.users (id, email) VALUES ($1::uuid, 'weekly@jobs.test') RETURNING id)
                INSERT INTO public.user_comm_preferences (user_id, timezone, weekly_review_day, weekly_review_time)
                SELECT id, 'Asia/Tokyo', 'monday', '09:00' FROM u
                """, [.text(user.uuidString)]))
            let scheduler = JobScheduler(
                queue: queue, entries: [.init(kind: "weekly-reviews.schedule", every: .seconds(3_600))], clock: clock.clock, logger: TestCluster.logger)
            await scheduler.tick()
            let worker = Self.worker(queue, "w", clock, MaintenanceJobs.handlers(database: queue.database))
            #expect(await worker.runOnce() == 1, "the hour's schedule job")
            #expect(await worker.runOnce() == 1, "the user's review job")
            let week = try await queue.database.text(SQLStatement(
                "SELECT week_start::text || ' ' || week_end::text FROM public.weekly_reviews WHERE user_id = $1::uuid", [.text(user.uuidString)]))
            #expect(week == "2026-11-23 2026-11-29")
            #expect(try await queue.list(state: "dead", limit: 10).isEmpty)
        }
    }

    @Test("the retry policy doubles, stops at its maximum, spreads by its jitter, and cannot trap")
    func retryPolicy() {
        let policy = RetryPolicy(base: .seconds(10), maximum: .seconds(3_600), jitter: 0)
        #expect((1...5).map { policy.delay(afterAttempt: $0, random: 0.5) } == [.seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(160)])
        #expect(policy.delay(afterAttempt: 20, random: 0.5) == .seconds(3_600))
        for attempt in [Int.min, -1, 0, 63, 64, Int.max] {
            let delay = policy.delay(afterAttempt: attempt, random: 0.5)
            #expect(delay >= .seconds(10) && delay <= .seconds(3_600), "attempt \(attempt)")
        }
        let jittered = RetryPolicy(base: .seconds(100), maximum: .seconds(3_600), jitter: 0.2)
        #expect(jittered.delay(afterAttempt: 1, random: 0) == .seconds(80))
        #expect(jittered.delay(afterAttempt: 1, random: 0.999_999) <= .seconds(120))
        #expect(jittered.delay(afterAttempt: 1, random: .nan) >= .seconds(80))
    }
}

extension JobWorkerTests {
    @Test("a job that extends its lease is not taken by another worker while it runs; a lapsed lease is")
    func extendedLease() async throws {
        try await Self.withQueue { queue in
            let clock = ManualClock()
            let id = try await queue.enqueue(kind: "long", runAt: clock.now, now: clock.now)
            let taken = try await queue.claim(worker: "a", kinds: ["long"], now: clock.now, lease: .seconds(60), limit: 1)
            #expect(taken.map(\.id) == [id])
            // The job reports progress: its lease moves out; an earlier time never pulls it in.
            try await queue.extendLease(id, until: clock.now.addingTimeInterval(600))
            try await queue.extendLease(id, until: clock.now.addingTimeInterval(10))
            clock.advance(300)
            #expect(try await queue.claim(worker: "b", kinds: ["long"], now: clock.now, lease: .seconds(60), limit: 1).isEmpty)
            clock.advance(400)
            #expect(try await queue.claim(worker: "b", kinds: ["long"], now: clock.now, lease: .seconds(60), limit: 1).map(\.id) == [id])
            // A finished job's lease cannot be revived.
            #expect(try await queue.finish(id, worker: "b", now: clock.now))
            try await queue.extendLease(id, until: clock.now.addingTimeInterval(600))
            #expect(try await queue.list(state: "running", limit: 10).isEmpty)
        }
    }
}

extension JobWorkerTests {
    @Test("a long job holds only its own slot: jobs enqueued while it runs are taken and run beside it")
    func longJobHoldsOneSlot() async throws {
        try await Self.withQueue { queue in
            let clock = ManualClock()
            let release = Mutex(false)
            let ran = Mutex<[String]>([])
            let long = JobHandler(kind: "long") { _ in
                while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
                ran.withLock { $0.append("long") }
            }
            let short = JobHandler(kind: "short") { job in ran.withLock { $0.append(job.payload) } }
            try await queue.enqueue(kind: "long", runAt: clock.now, now: clock.now)
            try await queue.enqueue(kind: "short", payload: #"{"n":1}"#, runAt: clock.now, now: clock.now)
            let worker = Self.worker(queue, "a", clock, concurrency: 2, [long, short])
            let running = Task { try await worker.run() }
            func wait(for count: Int) async throws {
                for _ in 0..<400 where ran.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(5)) }
            }
            try await wait(for: 1)
            // Enqueued after the first batch was claimed, while the long job still runs.
            try await queue.enqueue(kind: "short", payload: #"{"n":2}"#, runAt: clock.now, now: clock.now)
            try await wait(for: 2)
            #expect(ran.withLock { $0 } == [#"{"n": 1}"#, #"{"n": 2}"#], "both short jobs ran while the long one held its slot")
            release.withLock { $0 = true }
            try await wait(for: 3)
            #expect(ran.withLock { $0.last } == "long")
            running.cancel()
            _ = try? await running.value
        }
    }
}
