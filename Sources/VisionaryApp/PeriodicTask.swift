import ServiceLifecycle

/// Runs `work` every `every` until the service group shuts down (the first run after one period).
struct PeriodicTask: Service {
    let every: Duration
    let work: @Sendable () async -> Void

    init(every: Duration, _ work: @escaping @Sendable () async -> Void) {
        self.every = every
        self.work = work
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: every)
                } catch {
                    return
                }
                await work()
            }
        }
    }
}
