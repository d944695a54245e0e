import Synchronization

/// `body`'s result, or nil when it has not finished within `limit`. Unlike a task group (or
/// `withDeadline`), this does not wait for a body that never returns, such as one suspended on a
/// continuation nobody resumes: the hang fails the test that asked instead of stalling the whole
/// suite. `body` is cancelled at the limit and otherwise left to itself.
public func finished<T: Sendable>(
    within limit: Duration, _ body: @escaping @Sendable () async throws -> T
) async -> Result<T, any Error>? {
    let work = Task { try await body() }
    let outcome: Result<T, any Error>? = await withCheckedContinuation { continuation in
        let waiting = ResumedOnce(continuation)
        let timer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            waiting.resume(returning: nil)
        }
        Task {
            let result = await work.result
            timer.cancel()
            waiting.resume(returning: result)
        }
    }
    if outcome == nil { work.cancel() }
    return outcome
}

/// A continuation resumed by whichever of two tasks comes first.
private final class ResumedOnce<Value: Sendable>: Sendable {
    let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(returning value: Value) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }
}
