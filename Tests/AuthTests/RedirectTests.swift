import AppConfig
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport
import Tokens

/// Links in mail come from the public URL, and send people only where the allow list admits.
@Suite("Public URL and redirects")
struct RedirectTests {
    static func mail(_ app: TestApp, to recipient: String, template: String) async throws -> (link: String?, redirect: String?) {
        try await TestCluster.withConnection(app.database) { connection in
            let rows = try await connection.query(
                "SELECT payload->>'link', payload->>'redirect_to' FROM auth.mail_outbox WHERE recipient = \(recipient) AND template = \(template) ORDER BY created_at DESC LIMIT 1",
                logger: TestCluster.logger)
            for try await (link, redirect) in rows.decode((String?, String?).self) { return (link, redirect) }
            return (nil, nil)
        }
    }

    @Test("a recovery link is on the public URL and redirects only to allowed URLs, with the session in the fragment")
    func recoveryLink() async throws {
        let app = try await TestApp.make {
            $0.publicURL = "https://api.visionary.test/"
            $0.redirectAllowList = ["https://app.visionary.test/**"]
        }
        try await app.run { client in
            let auth = AuthClient(client: client, apiKey: app.keys.anon)
            let signUp = try await auth.signUp("link@redirect.test")
            #expect(claims(of: try #require(signUp.string("access_token")))["iss"] as? String == "https://api.visionary.test/auth/v1")
            // An allowed destination is kept; a foreign one is replaced by the public URL.
            for (asked, kept) in [("https://app.visionary.test/reset", "https://app.visionary.test/reset"),
                                  ("https://evil.test/steal", "https://api.visionary.test"),
                                  ("https://app.visionary.test.evil.test/x", "https://api.visionary.test")] {
                let encoded = asked.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? asked
                #expect(try await auth.send(.post, "recover?redirect_to=\(encoded)", json: #"{"email":"link@redirect.test"}"#).status == .ok)
                let mail = try await Self.mail(app, to: "link@redirect.test", template: "recovery")
                #expect(mail.redirect == kept, "\(asked)")
                let link = try #require(mail.link)
                #expect(link.hasPrefix("https://api.visionary.test/auth/v1/verify?token="), "\(link)")
                // Following the link: 303 to the destination with the session, once.
                let path = String(link.dropFirst("https://api.visionary.test".count))
                let location = try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .seeOther)
                    return response.headers[.location] ?? ""
                }
                #expect(location.hasPrefix(kept + "#access_token="), "\(location)")
                #expect(location.contains("&type=recovery"), "\(location)")
                let again = try await client.execute(uri: path, method: .get) { $0.headers[.location] ?? "" }
                #expect(again.hasPrefix(kept + "#error=access_denied"), "\(again)")
            }
            // A forged link goes nowhere but the public URL, with an error.
            let forged = try await client.execute(
                uri: "/auth/v1/verify?token=nope&type=recovery&redirect_to=https%3A%2F%2Fevil.test%2F", method: .get
            ) { $0.headers[.location] ?? "" }
            #expect(forged.hasPrefix("https://api.visionary.test#error=access_denied"), "\(forged)")
        }
    }
}
