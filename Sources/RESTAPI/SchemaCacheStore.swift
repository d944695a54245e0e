import Database
import Logging
import SchemaCache
import Synchronization

/// The schema cache the REST surface plans against, swapped whole on reload. Each cache it holds
/// has its own generation number, so what was compiled against one is never taken for another's.
///
/// Until a load succeeds (a start-up that could not reach the database in time, say) every REST
/// request tries again before it answers 503 PGRST002, so the surface heals by itself once the
/// database answers; requests arriving together share one attempt.
public final class SchemaCacheStore: Sendable {
    private struct State {
        var cache: SchemaCache?
        /// Counts the caches put in; the one held is number `generation`.
        var generation = 0
        var attempt: Task<SchemaCache?, Never>?

        mutating func put(_ fresh: SchemaCache) {
            cache = fresh
            generation += 1
        }
    }

    /// A loaded cache and its generation number.
    public struct Loaded: Sendable {
        public let cache: SchemaCache
        public let generation: Int
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
        state.withLock { $0.put(fresh) }
    }

    /// The cache; when none has loaded yet, the outcome of one more load (shared with the
    /// requests waiting for it): nil when that fails too.
    public func loaded() async -> SchemaCache? {
        await current()?.cache
    }

    /// The cache and its generation; when none has loaded yet, the outcome of one more load
    /// (shared with the requests waiting for it): nil when that fails too.
    public func current() async -> Loaded? {
        // One lock per request on the common path, where the cache is there.
        let found = state.withLock { state -> Lookup in
            if let cache = state.cache { return .cached(Loaded(cache: cache, generation: state.generation)) }
            if let attempt = state.attempt { return .loading(attempt) }
            let load = load
            let attempt = Task { try? await load() }
            state.attempt = attempt
            return .loading(attempt)
        }
        let attempt: Task<SchemaCache?, Never>
        switch found {
        case .cached(let loaded): return loaded
        case .loading(let pending): attempt = pending
        }
        let fresh = await attempt.value
        return state.withLock { state in
            if state.cache == nil, let fresh { state.put(fresh) }
            if state.attempt == attempt { state.attempt = nil }
            return state.cache.map { Loaded(cache: $0, generation: state.generation) }
        }
    }

    /// What the lock found: the cache, or the load to wait for.
    private enum Lookup {
        case cached(Loaded)
        case loading(Task<SchemaCache?, Never>)
    }
}
