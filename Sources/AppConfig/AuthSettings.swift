/// The Auth API's policy: token lifetimes, password rules, sign-up behaviour, rate limits.
public struct AuthSettings: Sendable, Equatable {
    /// Lifetime of access tokens, in seconds (default 3600).
    public var accessTokenLifetime = 3600
    /// Clock skew tolerated when checking a token's `exp`, in seconds.
    public var expiryLeeway = 30
    /// Whether a token must carry `exp` (`VISIONARY_JWT_REQUIRE_EXP`, default true): Supabase
    /// accepts a signed token without one, a credential that never expires; `false` accepts them
    /// for deployments migrating such keys.
    public var requireExpiry = true
    /// Shortest password accepted (Supabase's default, 6).
    public var minimumPasswordLength = 6
    /// bcrypt cost of new password hashes.
    public var bcryptCost = 10
    /// Whether new sign-ups are confirmed at once (nothing sends mail by default).
    public var autoconfirm = true
    /// Whether sign-ups are refused.
    public var disableSignup = false
    /// Whether `POST /signup` without credentials creates an anonymous user (`VISIONARY_AUTH_ANONYMOUS`).
    public var anonymousSignIns = false
    /// How long after a refresh an older token of the same session may still be presented
    /// (several tabs refreshing at once), in seconds.
    public var refreshReuseInterval = 10
    /// Lifetime of recovery tokens, in seconds.
    public var recoveryTokenLifetime = 3600
    /// Requests allowed per client address, per window, on sign-up, sign-in and recovery.
    public var rateLimitPerAddress = 30
    /// Requests allowed per email address, per window, on the same endpoints.
    public var rateLimitPerEmail = 10
    /// The rate-limit window, in seconds.
    public var rateLimitWindow = 300
    /// Wrong passwords one (email, client address) pair may send before it must wait
    /// (`VISIONARY_AUTH_SIGNIN_FREE_FAILURES`); each further one doubles the wait.
    public var signInFreeFailures = 5
    /// The longest such wait, in seconds (`VISIONARY_AUTH_SIGNIN_MAX_BACKOFF`).
    public var signInMaxBackoff = 900
    /// The server's public URL (`VISIONARY_PUBLIC_URL`), without a trailing slash: the issuer,
    /// mail links and the fallback of every redirect derive from it.
    public var publicURL = "http://127.0.0.1:54321"
    /// Glob patterns of the other URLs a client may ask to be sent to (`VISIONARY_REDIRECT_ALLOW_LIST`).
    public var redirectAllowList: [String] = []
    /// The sign-in providers of `/authorize` (`VISIONARY_AUTH_EXTERNAL_*`).
    public var oauthProviders: [OAuthProvider] = []

    /// The issuer written into access tokens (`<public URL>/auth/v1`).
    public var issuer: String { publicURL + "/auth/v1" }

    public init() {}
}
