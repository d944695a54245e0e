import Core

/// A message's words, before it becomes a `MailMessage`.
public struct RenderedMail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String
}

/// The mail the server writes to its outbox, by template name: what the Auth API sends
/// (`confirmation`, `magiclink`, `invite`, `recovery`, `email_change_current`, `email_change_new`,
/// `reauthentication`),
/// the invitations (`partner_invitation`, `team_invitation`, `team_member_added`) and e-mail
/// check-ins (`checkin`). Every value taken from the payload is escaped in the HTML part.
public enum MailTemplates {
    public struct UnknownTemplate: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "no mail template is named \(name.prefix(80))" }
    }

    /// The names `render` knows.
    public static var names: [String] { templates.keys.sorted() }

    /// The message of `template` filled with `payload` (the outbox row's JSON object).
    public static func render(_ template: String, payload: [String: JSONValue]) throws(UnknownTemplate) -> RenderedMail {
        guard let build = templates[template] else { throw UnknownTemplate(name: template) }
        return build(Values(payload))
    }

    /// A template: a subject, paragraphs, and at most one button (a link to follow).
    struct Layout {
        var subject: String
        var paragraphs: [String]
        var action: (label: String, url: String)?
        var code: String?

        var rendered: RenderedMail {
            var text = paragraphs
            if let code { text.append(code) }
            if let action { text.append("\(action.label): \(action.url)") }
            var html = paragraphs.map { "<p>\($0.markupEscaped)</p>" }
            if let code { html.append("<p style=\"font-size:24px;letter-spacing:4px\"><strong>\(code.markupEscaped)</strong></p>") }
            if let action {
                html.append("<p><a href=\"\(action.url.markupEscaped)\">\(action.label.markupEscaped)</a></p>")
            }
            let body = """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>\(subject.markupEscaped)</title></head>
                <body style="font-family:sans-serif;line-height:1.5">
                \(html.joined(separator: "\n"))
                <p style="color:#777;font-size:12px">Visionary</p>
                </body></html>
                """
            return RenderedMail(subject: subject, text: text.joined(separator: "\n\n") + "\n\n-- \nVisionary\n", html: body + "\n")
        }
    }

    static let templates: [String: @Sendable (Values) -> RenderedMail] = [
        "confirmation": { values in
            Layout(
                subject: "Confirm your email address",
                paragraphs: ["Welcome to Visionary. Confirm this address to finish signing up, or enter this code in the app:"],
                action: values.link.map { ("Confirm your email", $0) }, code: values["token"]
            ).rendered
        },
        "recovery": { values in
            Layout(
                subject: "Reset your password",
                paragraphs: [
                    "Someone asked to reset the password of the Visionary account of this address. If it was you, follow the link or enter the code:",
                    "If it was not, ignore this message: your password stays as it is.",
                ],
                action: values.link.map { ("Reset your password", $0) }, code: values["token"]
            ).rendered
        },
        "magiclink": { values in
            Layout(
                subject: "Your sign-in link",
                paragraphs: ["Follow the link to sign in to Visionary, or enter this code in the app:",
                             "If you did not ask to sign in, ignore this message."],
                action: values.link.map { ("Sign in", $0) }, code: values["token"]
            ).rendered
        },
        "invite": { values in
            Layout(
                subject: "You are invited to Visionary",
                paragraphs: ["You were invited to create a Visionary account with this address. Follow the link to accept, or enter this code in the app:"],
                action: values.link.map { ("Accept the invitation", $0) }, code: values["token"]
            ).rendered
        },
        "email_change_current": { values in
            Layout(
                subject: "Confirm the change of your email address",
                paragraphs: ["Your Visionary account is moving to a new email address. Confirm from this address that the change is yours:"],
                action: values.link.map { ("Confirm the change", $0) }, code: values["token"]
            ).rendered
        },
        "email_change_new": { values in
            Layout(
                subject: "Confirm your new email address",
                paragraphs: ["Confirm that this address should become the one of your Visionary account:"],
                action: values.link.map { ("Confirm your new address", $0) }, code: values["token"]
            ).rendered
        },
        "reauthentication": { values in
            Layout(
                subject: "Your confirmation code",
                paragraphs: ["Enter this code in Visionary to confirm it is you:"],
                action: nil, code: values["token"]
            ).rendered
        },
        "partner_invitation": { values in
            let inviter = values["inviter_email"] ?? "Someone"
            var paragraphs = ["\(inviter) invited you to be their accountability partner on Visionary."]
            if let message = values["message"] { paragraphs.append("Their message: “\(message)”") }
            paragraphs.append("Enter the invitation code in the app to accept\(values.until(values["expires_at"])):")
            return Layout(
                subject: "\(inviter) invited you to be their accountability partner", paragraphs: paragraphs,
                action: nil, code: values["invite_code"]
            ).rendered
        },
        "team_invitation": { values in
            let team = values["team_name"] ?? "a team"
            let role = values["role"].map { " as \($0)" } ?? ""
            let by = values["invited_by"].map { "\($0) invited you" } ?? "You are invited"
            return Layout(
                subject: "Join \(team) on Visionary",
                paragraphs: ["\(by) to join \(team)\(role) on Visionary.", "Enter the code in the app to join\(values.until(values["expires_at"])):"],
                action: nil, code: values["invite_code"]
            ).rendered
        },
        "team_member_added": { values in
            let team = values["team_name"] ?? "a team"
            let by = values["added_by"].map { " by \($0)" } ?? ""
            let role = values["role"].map { " as \($0)" } ?? ""
            return Layout(
                subject: "You were added to \(team)",
                paragraphs: ["You were added to \(team)\(role)\(by) on Visionary. Open the app to see your team."], action: nil, code: nil
            ).rendered
        },
        "checkin": { values in
            let content = values.object("content")
            let message = content["message"] ?? content["text"] ?? content["body"] ?? "Time for a check-in on your vision."
            let kind = (values["checkin_type"] ?? "check-in").replacingUnderscores
            return Layout(
                subject: content["title"] ?? content["subject"] ?? "Your \(kind)",
                paragraphs: [message, "Open Visionary to answer."], action: nil, code: nil
            ).rendered
        },
    ]

    /// The payload's values as text: strings as they are, numbers and booleans written out.
    struct Values {
        let payload: [String: JSONValue]

        init(_ payload: [String: JSONValue]) {
            self.payload = payload
        }

        subscript(key: String) -> String? {
            switch payload[key] {
            case .string(let text): text.isEmpty ? nil : text
            case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            case .bool(let flag): String(flag)
            default: nil
            }
        }

        func object(_ key: String) -> Values {
            Values(payload[key]?.objectValue ?? [:])
        }

        /// The link to follow: only an http(s) URL.
        var link: String? {
            guard let link = self["link"], link.hasPrefix("https://") || link.hasPrefix("http://") else { return nil }
            return link
        }

        /// ` until 2026-12-10` from a timestamp, or nothing.
        func until(_ timestamp: String?) -> String {
            guard let timestamp, timestamp.count >= 10 else { return "" }
            return " until \(timestamp.prefix(10))"
        }
    }
}

extension String {
    fileprivate var replacingUnderscores: String {
        String(map { $0 == "_" ? " " : $0 })
    }
}
