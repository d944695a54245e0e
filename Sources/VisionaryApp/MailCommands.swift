import AppConfig
import Core
import Database
import Foundation

/// The work behind `visionary mail …`: the mail outbox, for operators. Until a mail relay is
/// configured, every message the server writes (confirmations, recoveries, invitations,
/// check-ins) waits there.
public enum MailCommands {
    /// `visionary mail list`: the most recent messages, one line each — when, to whom, which
    /// template, and whether it went out; with `payload`, the values the template is filled with
    /// (they may hold sign-in links: for the operator's eyes only).
    public static func list(config: AppConfig, pendingOnly: Bool, limit: Int, payload: Bool) async throws -> String {
        let text = try await DatabaseCommands.withOwnerRunner(config: config) { runner in
            try await runner.text(SQLStatement(
                """
                SELECT coalesce(json_agg(json_build_object(
                  'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'recipient', m.recipient,
                  'template', m.template, 'sent', m.sent_at IS NOT NULL, 'failed', m.failed_at IS NOT NULL, 'attempts', m.attempts, 'last_error', m.last_error,
                  'payload', m.payload::text) ORDER BY m.created_at DESC, m.id), '[]')::text
                FROM (SELECT * FROM auth.mail_outbox WHERE NOT $1 OR (sent_at IS NULL AND failed_at IS NULL) ORDER BY created_at DESC, id LIMIT $2::integer) AS m
                """, [.bool(pendingOnly), .int(limit)]))
        }
        let messages = try JSONDecoder().decode([Message].self, from: Data((text ?? "[]").utf8))
        guard !messages.isEmpty else { return pendingOnly ? "no mail waiting" : "the outbox is empty" }
        return messages.map { message in
            var line = "\(message.createdAt)  \(message.recipient)  \(message.template)  "
            line += message.sent ? "sent" : (message.failed ? "refused" : "waiting") + (message.attempts > 0 ? " (\(message.attempts) attempts)" : "")
            if let error = message.lastError { line += "  error: \(error.prefix(200))" }
            if payload { line += "\n    \(message.payload)" }
            return line
        }.joined(separator: "\n")
    }

    struct Message: Decodable {
        let createdAt: String
        let recipient: String
        let template: String
        let sent: Bool
        let failed: Bool
        let attempts: Int
        let lastError: String?
        let payload: String

        enum CodingKeys: String, CodingKey {
            case recipient, template, sent, failed, attempts, payload
            case createdAt = "created_at"
            case lastError = "last_error"
        }
    }
}
