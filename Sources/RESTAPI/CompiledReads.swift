import Core
import Database
import RESTEngine
import RESTQuery
import Synchronization

/// What a `/rest/v1` request is parsed from, besides its body: the method, the path after
/// `/rest/v1`, the query string, and the headers the parser consults (names in lower case, in
/// the order sent). Everything else a request carries is left out before parsing, so two
/// requests with equal forms parse to equal `ApiRequest`s.
public struct RequestForm: Hashable, Sendable {
    public struct Field: Hashable, Sendable {
        public let name: String
        public let value: String
    }

    public let method: String
    public let path: String
    public let query: String
    public let headers: [Field]

    /// The consulted headers are picked out of `headers` (`ApiRequestParser.consultedHeaders`).
    public init(method: String, path: String, query: String, headers: some Sequence<(name: String, value: String)>) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers.compactMap { header in
            let name = header.name.lowercased()
            return ApiRequestParser.consultedHeaders.contains(name) ? Field(name: name, value: header.value) : nil
        }
    }

    /// Bytes of text the form holds: what keeping it costs.
    var length: Int {
        headers.reduce(method.utf8.count + path.utf8.count + query.utf8.count) { $0 + $1.name.utf8.count + $1.value.utf8.count }
    }

    /// The parsed request (`body` for the methods that carry one).
    func parse(body: [UInt8]?) -> Result<ApiRequest, RESTQueryError> {
        ApiRequestParser.parse(
            method: method, path: path, query: query, headers: headers.map { ($0.name, $0.value) }, body: body)
    }
}

/// A request compiled for one role against one schema cache: how its statement runs, and what
/// turns the statement's row into the response.
struct CompiledRequest: Sendable {
    let execution: APIExecution
    let shaper: ResponseShaper

    /// Bytes of SQL text it holds.
    var statementLength: Int {
        switch execution {
        case .direct(let sql, let parameters, _): parameters.reduce(sql.utf8.count) { $0 + $1.utf8.count }
        case .transaction(let statement, _, _): statement.sql.utf8.count
        }
    }
}

/// Reads compiled once. Parsing, planning and rendering a GET or HEAD depend on nothing but its
/// form, the caller's role and the schema cache (and the service's fixed settings), so the
/// outcome is kept under exactly those and the three stages are skipped when the same read comes
/// again — as a client's reads do: the same screen, the same filters. A reloaded schema cache
/// has a new generation, so nothing compiled against the old one is found again.
///
/// Bounded: at most `capacity` entries, the recently used kept (`RecentlyUsed`); a form longer
/// than `maxFormLength` bytes, or a statement longer than `maxStatementLength`, is never kept.
/// So however many distinct reads a client sends, the memo holds a few tens of megabytes at
/// most, and typically far less (a read of one table compiles to about a kilobyte of SQL).
public final class CompiledReads: Sendable {
    struct Key: Hashable, Sendable {
        let form: RequestForm
        let role: String
        let generation: Int
    }

    /// How the memo has fared since the server started.
    public struct Statistics: Sendable, Equatable {
        public var hits: Int
        public var misses: Int
        /// Entries held now.
        public var held: Int
    }

    private struct State {
        var entries: RecentlyUsed<Key, CompiledRequest>
        var hits = 0
        var misses = 0
    }

    public let maxFormLength: Int
    public let maxStatementLength: Int
    private let state: Mutex<State>

    /// - Parameters:
    ///   - capacity: the most entries held.
    ///   - maxFormLength: the longest form kept, in bytes.
    ///   - maxStatementLength: the longest statement kept (its SQL and parameters), in bytes.
    public init(capacity: Int = 1024, maxFormLength: Int = 4096, maxStatementLength: Int = 8192) {
        self.maxFormLength = maxFormLength
        self.maxStatementLength = maxStatementLength
        self.state = Mutex(State(entries: RecentlyUsed(capacity: capacity)))
    }

    /// Whether `form` may be kept.
    func admits(_ form: RequestForm) -> Bool { form.length <= maxFormLength }

    /// The compiled request kept under `key`, counted as a hit or a miss.
    func compiled(_ key: Key) -> CompiledRequest? {
        state.withLock { state in
            let found = state.entries.value(for: key)
            if found == nil { state.misses += 1 } else { state.hits += 1 }
            return found
        }
    }

    /// Keeps `compiled` under `key`, unless its statement is too long to be worth holding.
    func keep(_ compiled: CompiledRequest, for key: Key) {
        guard compiled.statementLength <= maxStatementLength else { return }
        state.withLock { $0.entries.insert(compiled, for: key) }
    }

    public var statistics: Statistics {
        state.withLock { Statistics(hits: $0.hits, misses: $0.misses, held: $0.entries.count) }
    }
}
