/// When a failed job is tried again: exponential backoff from `base`, doubling per attempt up to
/// `maximum`, spread by ± `jitter` (a fraction) so that jobs failing together do not all come
/// back together.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Duration
    public var maximum: Duration
    public var jitter: Double

    public init(base: Duration = .seconds(10), maximum: Duration = .seconds(3_600), jitter: Double = 0.2) {
        self.base = base
        self.maximum = maximum
        self.jitter = jitter.isNaN ? 0 : min(max(jitter, 0), 1)
    }

    /// The wait after attempt `attempt` (1 for the first) failed; `random` is a number in
    /// [0, 1) from the caller's generator. Never negative, never above `maximum` × (1 + jitter).
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        // 2^30 × any sensible base is past every maximum: the exponent stops there.
        let doublings = attempt <= 1 ? 0 : min(attempt - 1, 30)
        let exponential = base * (1 << doublings)
        let capped = min(exponential, maximum)
        let unit = random.isNaN ? 0.5 : min(max(random, 0), 1)
        let spread = 1 - jitter + 2 * jitter * unit
        return capped * spread
    }
}
