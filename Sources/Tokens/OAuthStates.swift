import Core
import Crypto
import Foundation

/// The `state` the server hands out with an OAuth authorize URL (Slack and Microsoft installs):
/// an HS256 token naming the signed-in user it was issued to, the provider, a nonce and a
/// 10-minute expiry, signed under a key derived from the project secret — so it can never pass
/// as an access token, and a callback can trust the user it names. A bare user id, as the
/// original app sent, is refused.
public struct OAuthStates: Sendable {
    let signer: HS256
    /// How long a state is accepted after it was issued.
    public static let lifetime: TimeInterval = 600

    public init(projectSecret: String) {
        let derived = HMAC<SHA256>.authenticationCode(
            for: Data("visionary oauth states".utf8), using: SymmetricKey(data: Data(projectSecret.utf8)))
        signer = HS256(secret: Data(derived).hexString)
    }

    /// A state for `user` installing `provider` (e.g. `slack`).
    public func issue(user: UUID, provider: String, now: Date) -> String {
        struct Claims: Encodable {
            let sub: String
            let aud: String
            let exp: Int
            let jti: String
        }
        let claims = Claims(sub: user.uuidString.lowercased(), aud: "oauth-state:" + provider,
                            exp: Int(now.timeIntervalSince1970 + Self.lifetime), jti: UUID().uuidString.lowercased())
        // Encoding four strings and an integer cannot fail.
        return (try? signer.sign(claims)) ?? ""
    }

    /// Why a callback's state is refused, in words for the person whose browser carries it.
    public struct Refused: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The user a callback's state names, once: the state must be valid for `provider`, and its
    /// nonce is spent through `run` (`internal.first_sighting`) before anything else happens, so
    /// a state works once whatever follows.
    public func redeem(
        _ state: String, provider: String, now: Date, run: (SQLStatement) async throws -> String?
    ) async throws -> UUID {
        let verified: (user: UUID, nonce: String)
        do {
            verified = try verify(state, provider: provider, now: now)
        } catch .expired {
            throw Refused(message: "this link has expired: start again from the app")
        } catch {
            throw Refused(message: "this link was not issued by this server: start from the app")
        }
        guard try await run(SQLStatement(
            "SELECT internal.first_sighting('oauth_state', $1, interval '15 minutes')::text", [.text(verified.nonce)])) == "true"
        else { throw Refused(message: "this link was used already: start again from the app") }
        return verified.user
    }

    /// What a valid state for `provider` names: the user, and its nonce (for single use).
    public func verify(_ state: String, provider: String, now: Date) throws(TokenError) -> (user: UUID, nonce: String) {
        let claims = try signer.verify(state, now: now, audience: "oauth-state:" + provider)
        guard let subject = claims["sub"]?.stringValue, let user = UUID(uuidString: subject),
              let nonce = claims["jti"]?.stringValue, nonce.count <= 64
        else { throw .malformed }
        return (user, nonce)
    }
}
