import Foundation

/// One job as a worker holds it: what to do, its input, and which attempt this is.
public struct Job: Sendable, Equatable, Decodable {
    public var id: UUID
    public var kind: String
    /// The payload as JSON text (each handler decodes what it expects).
    public var payload: String
    public var attempts: Int
    public var maxAttempts: Int
    public var idempotencyKey: String?
    /// When the job was due, as PostgreSQL writes a timestamptz (a scheduled job's period start).
    public var runAt: String

    enum CodingKeys: String, CodingKey {
        case id, kind, payload, attempts
        case maxAttempts = "max_attempts"
        case idempotencyKey = "idempotency_key"
        case runAt = "run_at"
    }
}

/// A job as operators see it (`visionary jobs list`).
public struct JobRecord: Sendable, Equatable, Decodable {
    public var id: UUID
    public var kind: String
    public var state: String
    public var attempts: Int
    public var maxAttempts: Int
    public var runAt: String
    public var lastError: String?
    public var idempotencyKey: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, state, attempts
        case maxAttempts = "max_attempts"
        case runAt = "run_at"
        case lastError = "last_error"
        case idempotencyKey = "idempotency_key"
    }
}

/// Thrown by a handler for a failure no retry mends: the job becomes a dead letter at once
/// (`visionary jobs retry` runs it again once the cause is mended), its attempts left unspent.
public struct JobGiveUp: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// What a worker does with jobs of one kind. Throwing fails the attempt (the job is retried
/// later, or becomes a dead letter); a handler that sees cancellation (the worker is shutting
/// down) should stop and throw, and the job is released for another worker.
public struct JobHandler: Sendable {
    public let kind: String
    public let run: @Sendable (Job) async throws -> Void

    public init(kind: String, run: @escaping @Sendable (Job) async throws -> Void) {
        self.kind = kind
        self.run = run
    }
}
