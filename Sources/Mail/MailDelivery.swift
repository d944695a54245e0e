import AppConfig
import Core
import Database
import Foundation
import Jobs

/// The `mail.send` job (migration 0047 enqueues one per message written to the outbox): renders
/// the message's template and hands it to the relay. A temporary failure fails the attempt, so
/// the queue retries it with backoff; a permanent refusal, an unknown template or a recipient
/// that is no address is recorded on the message and not retried. A message already sent (or
/// refused) is left alone, so a job run twice sends once.
public struct MailDelivery: Sendable {
    public static let kind = "mail.send"

    let database: SQLRunner
    let client: SMTPClient
    let from: String
    let now: @Sendable () -> Date

    /// - Parameter from: the `From` header (`VISIONARY_MAIL_FROM`), whose address is the envelope sender.
    public init(database: SQLRunner, client: SMTPClient, from: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.client = client
        self.from = from
        self.now = now
    }

    public var handler: JobHandler {
        JobHandler(kind: Self.kind) { job in try await deliver(job) }
    }

    struct Payload: Decodable {
        let id: UUID
    }

    struct Waiting: Decodable {
        let recipient: String
        let template: String
        let payload: [String: JSONValue]
    }

    func deliver(_ job: Job) async throws {
        let id = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)).id
        let row = try await database.text(SQLStatement(
            """
            SELECT json_build_object('recipient', recipient, 'template', template, 'payload', payload)::text
            FROM auth.mail_outbox WHERE id = $1::uuid AND sent_at IS NULL AND failed_at IS NULL
            """, [.text(id.uuidString)]))
        guard let row else { return }
        let mail = try JSONDecoder().decode(Waiting.self, from: Data(row.utf8))
        let rendered: RenderedMail
        do {
            rendered = try MailTemplates.render(mail.template, payload: mail.payload)
        } catch {
            return try await record(id, error: error.description, permanent: true)
        }
        let message = MailMessage(
            from: from, sender: MailAddress.bare(from) ?? from, recipient: mail.recipient,
            subject: rendered.subject, text: rendered.text, html: rendered.html)
        do {
            try await client.send(message, date: now(), id: id.uuidString.lowercased())
        } catch let failure as SMTPFailure {
            try await record(id, error: failure.reason, permanent: failure.permanent)
            if failure.permanent { return }
            throw failure
        }
        try await record(id, error: nil, permanent: false)
    }

    func record(_ id: UUID, error: String?, permanent: Bool) async throws {
        try await database.execute(SQLStatement(
            "SELECT internal.record_mail_attempt($1::uuid, $2::timestamptz, $3, $4)",
            [.text(id.uuidString), .text(JobQueue.timestamp(now())), error.map(SQLValue.text) ?? .null, .bool(permanent)]))
    }
}
