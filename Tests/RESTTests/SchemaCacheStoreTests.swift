import RESTAPI
import SchemaCache
import Synchronization
import Testing

/// The schema cache when the database could not be read at start: each REST request tries again
/// (PGRST002 says "Retrying."), and requests arriving together share one attempt.
@Suite("REST: a schema cache that did not load at start")
struct SchemaCacheStoreTests {
    struct Unreachable: Error {}

    /// Counts the loads and fails the first `failures` of them.
    final class FlakyCatalog: Sendable {
        let loads = Mutex(0)
        let failures: Int

        init(failures: Int) { self.failures = failures }

        func load() async throws -> SchemaCache {
            let number = loads.withLock { loads in
                loads += 1
                return loads
            }
            // Let concurrent callers arrive while this load is under way.
            await Task.yield()
            guard number > failures else { throw Unreachable() }
            return SchemaCache(relations: [], routines: [])
        }
    }

    @Test("a failed load is retried by the next request, and the cache is kept once loaded")
    func retriesUntilLoaded() async throws {
        let catalog = FlakyCatalog(failures: 2)
        let store = SchemaCacheStore { try await catalog.load() }
        await #expect(throws: Unreachable.self) { try await store.reload() }
        #expect(store.cache == nil)
        #expect(await store.loaded() == nil, "the second load fails too")
        #expect(await store.loaded() != nil, "the third succeeds")
        #expect(await store.loaded() != nil)
        #expect(catalog.loads.withLock { $0 } == 3, "a loaded cache is not read again")
    }

    @Test("requests arriving together share one attempt")
    func concurrentRequestsShareOneLoad() async throws {
        let catalog = FlakyCatalog(failures: 0)
        let store = SchemaCacheStore { try await catalog.load() }
        let loaded = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { await store.loaded() != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(loaded == 50)
        // Those that come while the load runs wait for it; those after it find the cache.
        #expect(catalog.loads.withLock { $0 } == 1)
    }
}
