import Metrics

/// Auth's counters (`/metrics` when the server runs with a metrics backend; no-ops otherwise).
enum AuthMetrics {
    /// A password sign-in's outcome: `succeeded`, `failed` (wrong or unknown credentials), or
    /// `refused` (banned or unconfirmed after the right password).
    static func signIn(_ outcome: String) {
        Counter(label: "visionary_auth_sign_ins_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// A request refused for its rate (per address, per email, or the sign-in back-off).
    static func rateLimited(_ action: String) {
        Counter(label: "visionary_auth_rate_limited_total", dimensions: [("action", action)]).increment()
    }
}
