import Database
import Logging
import SchemaCache
import Synchronization

/// The schema cache the REST surface plans against, swapped whole on reload.
///
/// Until a load succeeds (a start-up that could not reach the database in time, say) every REST
/// request tries again before it answers 503 PGRST002, so the surface heals by itself once the
/// database answers; requests arriving together share one attempt.
public final class SchemaCacheStore: Sendable {
    private struct State {
        var cache: SchemaCache?
        var attempt: Task<SchemaCache?, Never>?
    }

    private let state: Mutex<State>
    let loader: SchemaCacheLoader

    public init(loader: SchemaCacheLoader) {
        self.loader = loader
        self.state = Mutex(State())
    }

    public var cache: SchemaCache? { state.withLock { $0.cache } }

    /// Reads the catalog again and swaps the cache in.
    public func reload() async throws {
        let fresh = try await loader.load()
        state.withLock { $0.cache = fresh }
    }

    /// The cache; when none has loaded yet, the outcome of one more load (shared with the
    /// requests waiting for it): nil when that fails too.
    func loaded() async -> SchemaCache? {
        let attempt = state.withLock { state -> Task<SchemaCache?, Never>? in
            if state.cache != nil { return nil }
            if let attempt = state.attempt { return attempt }
            let loader = loader
            let attempt = Task { try? await loader.load() }
            state.attempt = attempt
            return attempt
        }
        guard let attempt else { return cache }
        let fresh = await attempt.value
        state.withLock { state in
            if state.cache == nil, let fresh { state.cache = fresh }
            if state.attempt == attempt { state.attempt = nil }
        }
        return fresh ?? cache
    }
}
