import Database
import Logging
import SchemaCache
import Synchronization

/// The schema cache the REST surface plans against, swapped whole on reload.
public final class SchemaCacheStore: Sendable {
    private let current: Mutex<SchemaCache?>
    let loader: SchemaCacheLoader

    public init(loader: SchemaCacheLoader) {
        self.loader = loader
        self.current = Mutex(nil)
    }

    public var cache: SchemaCache? { current.withLock { $0 } }

    /// Reads the catalog again and swaps the cache in.
    public func reload() async throws {
        let fresh = try await loader.load()
        current.withLock { $0 = fresh }
    }
}
