import Foundation

/// The worker's time: what it writes as now (leases, retries, finishing times) and how it waits
/// between polls. Tests pass a clock they move by hand.
public struct JobClock: Sendable {
    public let now: @Sendable () -> Date
    public let sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let system = JobClock(now: { Date() }, sleep: { try await Task.sleep(for: $0) })
}
