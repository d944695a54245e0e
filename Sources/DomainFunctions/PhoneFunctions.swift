import Core
import Database
import Foundation
import FunctionsAPI
import Phone
import Tokens

/// `send-sms`, `make-call` and `verify-phone`: texts and calls to the caller's own verified
/// number (the server, with the service_role key, names the user by `userId`), and the
/// verification of that number by a texted code. The original functions sent to any `to` a
/// request named; here `to`, when sent, must be that verified number.
enum PhoneFunctions {
    static func all(_ phone: PhoneService, _ database: CallerDatabase) -> [ActionFunction] {
        [sendSMS(phone, database), makeCall(phone, database), verifyPhone(phone, database)]
    }

    static let messageParameters = [
        ParameterDescription("userId", "string (uuid)", "the user to reach (service_role only; a user may name only themselves)"),
        ParameterDescription("to", "string", "the number the caller expects it to go to: must be the user's verified number"),
        ParameterDescription("message", "string", "the words; else those of `template`"),
        ParameterDescription("template", "string", "a template name, filled from `templateData`"),
        ParameterDescription("templateData", "object", "the template's values (name, habitTitle, streak, …)"),
    ]

    static func sendSMS(_ phone: PhoneService, _ database: CallerDatabase) -> ActionFunction {
        ActionFunction(name: "send-sms", summary: "Texts the caller's own verified number (10 an hour).", defaultAction: "send", actions: [
            Action("send", "Texts `message` (or a template: \(PhoneTemplates.textNames.joined(separator: ", "))): {success, messageSid, status, to}.",
                   access: .userOrServer, parameters: messageParameters) { input in
                let user = try recipientUser(input)
                try await database.requireLiveCaller(input.caller)
                let template = try input.choice("template", PhoneTemplates.textNames)
                let fields = try templateData(input)
                guard let body = try input.string("message", maxLength: 1_600).flatMap(nonEmpty) ?? template.flatMap({ PhoneTemplates.text($0, fields) })
                else { throw FunctionError.invalid("send `message`, or a `template` with its `templateData`") }
                let sent = try await relay {
                    try await phone.text(user: user, body: body, requested: try input.string("to", maxLength: 40),
                                         content: ["message": .string(body), "template": template.map(JSONValue.string) ?? .null])
                }
                return .json(#"{"success":true,"messageSid":\#(sent.providerID.jsonQuoted),"status":\#(sent.status.jsonQuoted),"to":\#(sent.to.jsonQuoted)}"#)
            },
        ])
    }

    static func makeCall(_ phone: PhoneService, _ database: CallerDatabase) -> ActionFunction {
        ActionFunction(name: "make-call", summary: "Calls the caller's own verified number, when calls are allowed (3 an hour).", defaultAction: "call", actions: [
            Action("call", "Speaks `message` (or a template: \(PhoneTemplates.speechNames.joined(separator: ", "))) in `voiceType`: {success, callSid, status, to}.",
                   access: .userOrServer,
                   parameters: messageParameters + [ParameterDescription("voiceType", "string", "a Twilio voice, e.g. Polly.Joanna (the default)")]) { input in
                let user = try recipientUser(input)
                try await database.requireLiveCaller(input.caller)
                let template = try input.choice("template", PhoneTemplates.speechNames)
                let fields = try templateData(input)
                let speech = try input.string("message", maxLength: 1_000).flatMap(nonEmpty)
                    ?? PhoneTemplates.speech(template ?? "generic", fields) ?? ""
                let voice = try input.string("voiceType", maxLength: 40) ?? "Polly.Joanna"
                guard voice.utf8.allSatisfy({ $0.isVoiceNameByte }), !voice.isEmpty else {
                    throw FunctionError.invalid("`voiceType` must be a voice name such as Polly.Joanna")
                }
                let sent = try await relay {
                    try await phone.call(user: user, speech: speech, voice: voice, requested: try input.string("to", maxLength: 40),
                                         content: ["message": .string(speech), "template": template.map(JSONValue.string) ?? .null])
                }
                return .json(#"{"success":true,"callSid":\#(sent.providerID.jsonQuoted),"status":\#(sent.status.jsonQuoted),"to":\#(sent.to.jsonQuoted)}"#)
            },
        ])
    }

    static func verifyPhone(_ phone: PhoneService, _ database: CallerDatabase) -> ActionFunction {
        ActionFunction(
            name: "verify-phone", summary: "Verifies the caller's phone number by a 6-digit code texted to it.",
            defaultAction: "start", inferAction: { $0.has("code") ? "confirm" : nil },
            actions: [
                Action("start", "Texts a code (valid 10 minutes, 5 tries) to `phone_number`, or to the number in the caller's preferences; once a minute, 5 an hour.",
                       parameters: [ParameterDescription("phone_number", "string", "the number to verify, in international form (+ and country code)")]) { input in
                    let user = try await database.liveUser(input.caller)
                    switch try await relay({ try await phone.startVerification(user: user, number: try input.string("phone_number", maxLength: 40)) }) {
                    case .sent(let number, let expiresAt):
                        return .json(#"{"success":true,"phone_number":\#(number.jsonQuoted),"expires_at":\#(expiresAt.jsonQuoted)}"#)
                    case .alreadyVerified(let number):
                        return .json(#"{"success":true,"phone_number":\#(number.jsonQuoted),"already_verified":true}"#)
                    }
                },
                Action("confirm", "Checks the texted code; the number becomes the caller's verified number.",
                       parameters: [ParameterDescription("code", "string", required: true, "the 6 digits received")]) { input in
                    let user = try await database.liveUser(input.caller)
                    let code = try input.text("code", maxLength: 20)
                    guard PhoneService.isCodeShaped(code) else { throw FunctionError.invalid("`code` must be the 6 digits received") }
                    switch try await phone.confirmVerification(user: user, code: code) {
                    case .verified(let number):
                        return .json(#"{"success":true,"verified":true,"phone_number":\#(number.jsonQuoted)}"#)
                    case .wrong(let left):
                        throw FunctionError.invalid("the code is wrong; \(left) \(left == 1 ? "try" : "tries") left")
                    case .exhausted:
                        throw FunctionError(status: 429, code: "too_many_requests", message: "too many wrong codes: ask for a new one")
                    case .expired:
                        throw FunctionError.invalid("the code has expired: ask for a new one")
                    case .none:
                        throw FunctionError.invalid("no code is pending: ask for one with action start")
                    }
                },
            ])
    }

    /// Whom a text or call is for: the signed-in caller (who may name only themselves), or the
    /// user the server names.
    static func recipientUser(_ input: ActionInput) throws(FunctionError) -> UUID {
        let named = try input.uuid("userId").flatMap { UUID(uuidString: $0) }
        guard input.caller.role == "service_role" else {
            guard let user = input.caller.userID else { throw .unauthorized("send the user's access token as the bearer") }
            guard named == nil || named == user else { throw .forbidden("you may text or call only your own number") }
            return user
        }
        guard let named else { throw .invalid("`userId` is required with the service_role key") }
        return named
    }

    /// `templateData`: up to 30 members, each a string, number or boolean of at most 200 characters.
    static func templateData(_ input: ActionInput) throws(FunctionError) -> PhoneTemplates.Fields {
        guard let value = input.value("templateData") else { return [:] }
        guard case .object(let members) = value, members.count <= 30 else {
            throw .invalid("`templateData` must be an object of at most 30 members")
        }
        var fields: PhoneTemplates.Fields = [:]
        for (name, member) in members {
            let text: String
            switch member {
            case .string(let string): text = string
            case .number(let number): text = ActionInput.plain(number)
            case .bool(let flag): text = String(flag)
            case .null: continue
            default: throw .invalid("`templateData.\(name)` must be a string, number or boolean")
            }
            guard text.count <= 200 else { throw .invalid("`templateData.\(name)` is longer than 200 characters") }
            fields[name] = text
        }
        return fields
    }

    static func nonEmpty(_ text: String) -> String? {
        text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : text
    }

    /// The phone layer's refusals in the Functions catalogue.
    static func relay<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch is PhoneNotConfigured {
            throw FunctionError.notConfigured("phone", "texts and calls are not configured on this server")
        } catch let failure as PhoneProviderFailure {
            throw FunctionError.upstream(failure.message)
        } catch let refusal as PhoneRefusal {
            throw refusal.forbidden ? FunctionError.forbidden(refusal.message) : FunctionError.unprocessable(refusal.message)
        }
    }
}

extension UInt8 {
    /// A letter, digit, `.`, `-` or `_`: what Twilio's voice names are made of.
    fileprivate var isVoiceNameByte: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: ".") || self == UInt8(ascii: "-")
            || self == UInt8(ascii: "_")
    }
}
