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
    private let load: @Sendable () async throws -> SchemaCache

    public convenience init(loader: SchemaCacheLoader) {
        self.init { try await loader.load() }
    }

    /// - Parameter load: reads the cache afresh (the catalog, in the server).
    public init(load: @escaping @Sendable () async throws -> SchemaCache) {
        self.load = load
        self.state = Mutex(State())
    }

    public var cache: SchemaCache? { state.withLock { $0.cache } }

    /// Reads the catalog again and swaps the cache in.
    public func reload() async throws {
        let fresh = try await load()
        state.withLock { $0.cache = fresh }
    }

    /// The cache; when none has loaded yet, the outcome of one more load (shared with the
    /// requests waiting for it): nil when that fails too.
    public func loaded() async -> SchemaCache? {
        // One lock per request on the common path, where the cache is there.
        let found = state.withLock { state -> Lookup in
            if let cache = state.cache { return .cached(cache) }
            if let attempt = state.attempt { return .loading(attempt) }
            let load = load
            let attempt = Task { try? await load() }
            state.attempt = attempt
            return .loading(attempt)
        }
        let attempt: Task<SchemaCache?, Never>
        switch found {
        case .cached(let cache): return cache
        case .loading(let pending): attempt = pending
        }
        let fresh = await attempt.value
        state.withLock { state in
            if state.cache == nil, let fresh { state.cache = fresh }
            if state.attempt == attempt { state.attempt = nil }
        }
        return fresh ?? cache
    }

    /// What the lock found: the cache, or the load to wait for.
    private enum Lookup {
        case cached(SchemaCache)
        case loading(Task<SchemaCache?, Never>)
    }
}
