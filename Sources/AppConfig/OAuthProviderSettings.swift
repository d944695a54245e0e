/// A sign-in provider of `/authorize` (`VISIONARY_AUTH_EXTERNAL_PROVIDERS` names them;
/// `VISIONARY_AUTH_EXTERNAL_<NAME>_*` configures each): any OpenID Connect provider (by its
/// issuer's discovery document, or by endpoints), GitHub (OAuth 2 with its user API), or Apple
/// (OpenID Connect with the ES256-signed client secret it requires).
public struct OAuthProvider: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case oidc, github, apple
    }

    /// The name clients ask for (`?provider=`), lower-case.
    public var name: String
    public var kind: Kind
    public var clientID: String
    /// The client secret (OIDC, GitHub); Apple's is made from `appleKey`.
    public var clientSecret: String?
    /// OIDC: the issuer; its `/.well-known/openid-configuration` names the endpoints not given.
    public var issuer: String?
    public var authorizationURL: String?
    public var tokenURL: String?
    public var userInfoURL: String?
    public var jwksURL: String?
    /// GitHub's API (`/user`, `/user/emails`).
    public var apiURL: String?
    public var scopes: String
    /// Apple: the team, the key id and the private key (PEM) the client secret is signed with.
    public var appleTeamID: String?
    public var appleKeyID: String?
    public var appleKey: String?

    public init(
        name: String, kind: Kind, clientID: String, clientSecret: String? = nil, issuer: String? = nil, authorizationURL: String? = nil,
        tokenURL: String? = nil, userInfoURL: String? = nil, jwksURL: String? = nil, apiURL: String? = nil, scopes: String? = nil,
        appleTeamID: String? = nil, appleKeyID: String? = nil, appleKey: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.issuer = issuer
        self.authorizationURL = authorizationURL
        self.tokenURL = tokenURL
        self.userInfoURL = userInfoURL
        self.jwksURL = jwksURL
        self.apiURL = apiURL
        self.scopes = scopes ?? (kind == .github ? "read:user user:email" : kind == .apple ? "name email" : "openid email profile")
        self.appleTeamID = appleTeamID
        self.appleKeyID = appleKeyID
        self.appleKey = appleKey
    }

    /// Reads the providers `VISIONARY_AUTH_EXTERNAL_PROVIDERS` names.
    static func read(_ value: (String) -> String?) throws(ConfigError) -> [OAuthProvider] {
        guard let names = value("VISIONARY_AUTH_EXTERNAL_PROVIDERS") else { return [] }
        var providers: [OAuthProvider] = []
        for raw in names.split(separator: ",") {
            let name = String(raw).trimmingWhitespace().lowercased()
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), name.count <= 40 else {
                throw .invalid("VISIONARY_AUTH_EXTERNAL_PROVIDERS", String(raw), "provider names of letters, digits and _, comma-separated")
            }
            let prefix = "VISIONARY_AUTH_EXTERNAL_\(name.uppercased())_"
            func setting(_ key: String) -> String? { value(prefix + key).flatMap { $0.isEmpty ? nil : $0 } }
            guard let clientID = setting("CLIENT_ID") else { throw .invalid(prefix + "CLIENT_ID", "(missing)", "the provider's client id") }
            let kind: Kind = name == "github" ? .github : name == "apple" ? .apple : .oidc
            var provider = OAuthProvider(
                name: name, kind: kind, clientID: clientID, clientSecret: setting("SECRET"), issuer: setting("ISSUER"),
                authorizationURL: setting("AUTHORIZATION_URL"), tokenURL: setting("TOKEN_URL"), userInfoURL: setting("USERINFO_URL"),
                jwksURL: setting("JWKS_URL"), apiURL: setting("API_URL"), scopes: setting("SCOPES"),
                appleTeamID: setting("TEAM_ID"), appleKeyID: setting("KEY_ID"), appleKey: setting("PRIVATE_KEY"))
            switch kind {
            case .github:
                provider.authorizationURL = provider.authorizationURL ?? "https://github.com/login/oauth/authorize"
                provider.tokenURL = provider.tokenURL ?? "https://github.com/login/oauth/access_token"
                provider.apiURL = provider.apiURL ?? "https://api.github.com"
                guard provider.clientSecret != nil else { throw .invalid(prefix + "SECRET", "(missing)", "GitHub's client secret") }
            case .apple:
                provider.issuer = provider.issuer ?? "https://appleid.apple.com"
                provider.authorizationURL = provider.authorizationURL ?? "https://appleid.apple.com/auth/authorize"
                provider.tokenURL = provider.tokenURL ?? "https://appleid.apple.com/auth/token"
                provider.jwksURL = provider.jwksURL ?? "https://appleid.apple.com/auth/keys"
                guard provider.appleTeamID != nil, provider.appleKeyID != nil, provider.appleKey != nil else {
                    throw .invalid(prefix + "TEAM_ID", "(missing)", "Apple's team id, key id (KEY_ID) and private key (PRIVATE_KEY)")
                }
            case .oidc:
                if name == "google" { provider.issuer = provider.issuer ?? "https://accounts.google.com" }
                guard provider.clientSecret != nil else { throw .invalid(prefix + "SECRET", "(missing)", "the provider's client secret") }
                guard provider.issuer != nil || (provider.authorizationURL != nil && provider.tokenURL != nil && provider.jwksURL != nil) else {
                    throw .invalid(prefix + "ISSUER", "(missing)", "an issuer, or AUTHORIZATION_URL, TOKEN_URL and JWKS_URL")
                }
            }
            providers.append(provider)
        }
        return providers
    }
}
