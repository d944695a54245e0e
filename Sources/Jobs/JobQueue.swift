import Core
import Database
import Foundation

/// The queue's operations (`internal.jobs`, migration 0043) on the owner's connections: enqueue,
/// claim under a lease, finish, fail, release, and the operator's list, retry and discard.
/// Every time is the caller's (its `JobClock`), never the database's.
public struct JobQueue: Sendable {
    public let database: SQLRunner

    public init(database: SQLRunner) {
        self.database = database
    }

    /// Adds a job, or returns the job of the same kind already enqueued with `idempotencyKey`.
    @discardableResult
    public func enqueue(
        kind: String, payload: String = "{}", runAt: Date, now: Date, idempotencyKey: String? = nil, maxAttempts: Int = 5
    ) async throws -> UUID {
        let text = try await database.text(SQLStatement(
            "SELECT internal.enqueue_job($1, $2::jsonb, $3::timestamptz, $4::timestamptz, $5, $6::integer)::text",
            [.text(kind), .json(payload), .text(Self.timestamp(runAt)), .text(Self.timestamp(now)),
             idempotencyKey.map(SQLValue.text) ?? .null, .int(maxAttempts)]))
        guard let text, let id = UUID(uuidString: text) else { throw JobQueueError.noAnswer }
        return id
    }

    /// Takes up to `limit` due jobs of `kinds` for `worker`, leased for `lease`.
    public func claim(worker: String, kinds: [String], now: Date, lease: Duration, limit: Int) async throws -> [Job] {
        let text = try await database.text(SQLStatement(
            """
            SELECT coalesce(json_agg(json_build_object(
              'id', j.id, 'kind', j.kind, 'payload', j.payload::text, 'attempts', j.attempts,
              'max_attempts', j.max_attempts, 'idempotency_key', j.idempotency_key, 'run_at', j.run_at)), '[]')::text
            FROM internal.claim_jobs($1, $2, $3::timestamptz, $4::integer, $5::integer) AS j
            """,
            [.text(worker), .textArray(kinds), .text(Self.timestamp(now)), .int(Int(lease.components.seconds)), .int(limit)]))
        return try JSONDecoder().decode([Job].self, from: Data((text ?? "[]").utf8))
    }

    /// The job succeeded; false when `worker` no longer held it (its outcome is dropped).
    @discardableResult
    public func finish(_ id: UUID, worker: String, now: Date) async throws -> Bool {
        try await flag("SELECT internal.finish_job($1::uuid, $2, $3::timestamptz)::text", [.text(id.uuidString), .text(worker), .text(Self.timestamp(now))])
    }

    /// The attempt failed: the job's new state (`queued` until `retryAt`, or `dead`), or nil
    /// when `worker` no longer held it.
    @discardableResult
    public func fail(_ id: UUID, worker: String, error: String, retryAt: Date, now: Date) async throws -> String? {
        try await database.text(SQLStatement(
            "SELECT internal.fail_job($1::uuid, $2, $3, $4::timestamptz, $5::timestamptz)",
            [.text(id.uuidString), .text(worker), .text(error), .text(Self.timestamp(retryAt)), .text(Self.timestamp(now))]))
    }

    /// The job failed for good: a dead letter now, whatever attempts it has left; nil when
    /// `worker` no longer held it.
    @discardableResult
    public func giveUp(_ id: UUID, worker: String, error: String, now: Date) async throws -> String? {
        try await database.text(SQLStatement(
            "SELECT internal.give_up_job($1::uuid, $2, $3, $4::timestamptz)",
            [.text(id.uuidString), .text(worker), .text(error), .text(Self.timestamp(now))]))
    }

    /// Moves a running job's lease out to `until` at the earliest: long work that makes progress
    /// (a large knowledge source) keeps its job from being taken again while it runs.
    public func extendLease(_ id: UUID, until: Date) async throws {
        try await database.execute(SQLStatement(
            "UPDATE internal.jobs SET leased_until = greatest(leased_until, $2::timestamptz) WHERE id = $1::uuid AND state = 'running'",
            [.text(id.uuidString), .text(Self.timestamp(until))]))
    }

    /// Queues the job again without counting the attempt (the worker is stopping).
    @discardableResult
    public func release(_ id: UUID, worker: String) async throws -> Bool {
        try await flag("SELECT internal.release_job($1::uuid, $2)::text", [.text(id.uuidString), .text(worker)])
    }

    /// Queues a dead letter again with its attempts reset; false when it is not a dead letter.
    public func retry(_ id: UUID, now: Date) async throws -> Bool {
        try await flag("SELECT internal.retry_job($1::uuid, $2::timestamptz)::text", [.text(id.uuidString), .text(Self.timestamp(now))])
    }

    /// Deletes a dead letter or a waiting job; false when there is none such.
    public func discard(_ id: UUID) async throws -> Bool {
        try await flag("SELECT internal.discard_job($1::uuid)::text", [.text(id.uuidString)])
    }

    /// Jobs in `state` (every state when nil), the most recent first, at most `limit`.
    public func list(state: String?, limit: Int) async throws -> [JobRecord] {
        let text = try await database.text(SQLStatement(
            """
            SELECT coalesce(json_agg(json_build_object(
              'id', j.id, 'kind', j.kind, 'state', j.state, 'attempts', j.attempts, 'max_attempts', j.max_attempts,
              'run_at', j.run_at, 'last_error', j.last_error, 'idempotency_key', j.idempotency_key)
              ORDER BY j.created_at DESC, j.id), '[]')::text
            FROM (SELECT * FROM internal.jobs WHERE $1::text IS NULL OR state = $1 ORDER BY created_at DESC, id LIMIT $2::integer) AS j
            """,
            [state.map(SQLValue.text) ?? .null, .int(limit)]))
        return try JSONDecoder().decode([JobRecord].self, from: Data((text ?? "[]").utf8))
    }

    /// How many jobs wait, run and lie dead, and how long the oldest due job has waited.
    public struct Depth: Sendable, Equatable, Decodable {
        public var queued: Int
        public var running: Int
        public var dead: Int
        /// Seconds since the oldest job that is due and not yet taken became due; 0 when none.
        public var oldestDueAge: Double

        enum CodingKeys: String, CodingKey {
            case queued, running, dead
            case oldestDueAge = "oldest_due_age"
        }
    }

    /// The queue's depth, now.
    public func depth() async throws -> Depth {
        let text = try await database.text(SQLStatement("""
            SELECT json_build_object(
              'queued', count(*) FILTER (WHERE state = 'queued'), 'running', count(*) FILTER (WHERE state = 'running'),
              'dead', count(*) FILTER (WHERE state = 'dead'),
              'oldest_due_age', coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'queued' AND run_at <= now())), 0))::text
            FROM internal.jobs WHERE state <> 'succeeded'
            """))
        return try JSONDecoder().decode(Depth.self, from: Data((text ?? "").utf8))
    }

    private func flag(_ sql: String, _ binds: [SQLValue]) async throws -> Bool {
        try await database.text(SQLStatement(sql, binds)) == "true"
    }

    /// A time as PostgreSQL reads a timestamptz (UTC, to the millisecond).
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

public enum JobQueueError: Error, Equatable {
    /// The database answered a statement that always returns a row with none.
    case noAnswer
}
