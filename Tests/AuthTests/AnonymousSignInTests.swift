import AppConfig
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing
import TestSupport
import Tokens

/// Anonymous sign-ins (`VISIONARY_AUTH_ANONYMOUS`): off by default; on, a user without email that
/// gets no credits and cannot pay until it links a confirmed email, which keeps its data.
@Suite("Anonymous sign-ins")
struct AnonymousSignInTests {
    static func rest(_ client: any TestClientProtocol, _ app: TestApp, _ method: HTTPRequest.Method, _ path: String, token: String, body: String? = nil) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(token)"]
        if body != nil { headers[.contentType] = "application/json"; headers[HTTPField.Name("Prefer")!] = "return=representation" }
        return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            ($0.status, String(buffer: $0.body))
        }
    }

    @Test("off by default: a sign-up without credentials is refused")
    func offByDefault() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let refused = try await AuthClient(client: client, apiKey: app.keys.anon).send(.post, "signup", json: "{}")
            #expect(refused.status == .unprocessableContent && refused.body.contains("anonymous_provider_disabled"), "\(refused.body)")
        }
    }

    @Test("on: an anonymous session with no credits and no payments; linking an email keeps the data, confirms, and grants the bonus")
    func anonymousThenLinked() async throws {
        let app = try await TestApp.make {
            $0.auth.anonymousSignIns = true
            $0.auth.rateLimitPerAddress = 3
            $0.integrations.stripe = StripeAccount(baseURL: "http://127.0.0.1:9", secretKey: "sk_test", webhookSecrets: ["whsec"], creditPacks: ["price_pack": 10])
        }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let settings = try await auth.send(.get, "settings")
            #expect(settings.body.contains(#""anonymous_users":true"#))
            let signedUp = try await auth.send(.post, "signup", json: #"{"data":{"nickname":"guest"}}"#)
            #expect(signedUp.status == .ok, "\(signedUp.body)")
            let token = try #require(signedUp.string("access_token"))
            let user = try #require(signedUp.json["user"] as? [String: Any])
            #expect(user["is_anonymous"] as? Bool == true && user["email"] as? String == "" && (user["identities"] as? [Any])?.isEmpty == true)
            #expect(claims(of: token)["is_anonymous"] as? Bool == true)
            let id = try #require(user["id"] as? String)

            // No credits, so nothing to spend; and no way to pay.
            let profile = try await Self.rest(client, app, .get, "/rest/v1/profiles?select=credits&id=eq.\(id)", token: token)
            #expect(profile.body == #"[{"credits":0}]"#, "\(profile.body)")
            let spend = try await Self.rest(client, app, .patch, "/rest/v1/profiles?id=eq.\(id)", token: token, body: #"{"credits":-1}"#)
            #expect(spend.status.code >= 400 && spend.status.code < 500, "\(spend.status) \(spend.body)")
            let pay = try await Self.rest(client, app, .post, "/functions/v1/create-checkout-session", token: token,
                body: #"{"mode":"payment","priceId":"price_pack","successUrl":"http://127.0.0.1:54321/","cancelUrl":"http://127.0.0.1:54321/"}"#)
            #expect(pay.status == .forbidden, "\(pay.body)")

            // What it makes is its own.
            let habit = try await Self.rest(client, app, .post, "/rest/v1/habits", token: token, body: #"{"title":"Try the app"}"#)
            #expect(habit.status == .created, "\(habit.body)")

            // Linking an email: no reauthentication to give, a code to the address, then a real user.
            let link = try await auth.send(.put, "user", json: #"{"email":"guest@anon.test"}"#, bearer: token)
            #expect(link.status == .ok && link.string("new_email") == "guest@anon.test", "\(link.body)")
            let code = try #require(try await TestCluster.withConnection(app.database) { connection -> String? in
                let rows = try await connection.query("SELECT payload->>'token' FROM auth.mail_outbox WHERE recipient = 'guest@anon.test' AND template = 'email_change_new'", logger: TestCluster.logger)
                for try await value in rows.decode(String.self) { return value }
                return nil
            })
            let linked = try await auth.send(.post, "verify", json: #"{"type":"email_change","email":"guest@anon.test","token":"\#(code)"}"#)
            #expect(linked.status == .ok, "\(linked.body)")
            let linkedToken = try #require(linked.string("access_token"))
            let linkedUser = try #require(linked.json["user"] as? [String: Any])
            #expect(linkedUser["is_anonymous"] as? Bool == false && linkedUser["email"] as? String == "guest@anon.test" && linkedUser["id"] as? String == id)
            #expect((linkedUser["identities"] as? [[String: Any]])?.first?["provider"] as? String == "email")
            #expect(claims(of: linkedToken)["is_anonymous"] as? Bool == false)
            let after = try await Self.rest(client, app, .get, "/rest/v1/profiles?select=credits&id=eq.\(id)", token: linkedToken)
            #expect(after.body == #"[{"credits":3}]"#, "\(after.body)")
            let habits = try await Self.rest(client, app, .get, "/rest/v1/habits?select=title", token: linkedToken)
            #expect(habits.body.contains("Try the app"))

            // Anonymous sign-ups are rate-limited per address.
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await auth.send(.post, "signup", json: "{}").status.code) }
            #expect(statuses.last == 429, "\(statuses)")
        }
    }
}
