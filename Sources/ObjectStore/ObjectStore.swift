import NIOCore

/// Where object bytes live. Keys are opaque tokens chosen by the caller (Storage uses a fresh
/// version id per write, so bytes are never rewritten in place); the metadata that names them
/// lives in the database.
///
/// Writing is two-step so that bytes and metadata stay consistent: `makeWriter()` streams bytes
/// into a staging area the key space never sees, `ObjectWriter.publish(as:)` makes them
/// readable under a key in one atomic step, and `ObjectWriter.discard()` drops them.
public protocol ObjectStore: Sendable {
    /// Start-up work: checks the store is reachable and sweeps staging leftovers of crashed writes.
    func prepare() async throws
    /// A new staging area for one object's bytes.
    func makeWriter() async throws -> any ObjectWriter
    /// Streams the bytes of `key` (all of them, or `range`) to `sink`, chunk by chunk, as they are
    /// read: nothing holds the whole object. Throws `ObjectStoreError.notFound` when the key is absent.
    func read(_ key: String, range: ByteRange?, into sink: (ByteBuffer) async throws -> Void) async throws
    /// Makes `destination` hold the same bytes as `source`.
    func copy(_ source: String, to destination: String) async throws
    /// Removes `key`; removing an absent key is not an error.
    func delete(_ key: String) async throws
}

/// The staging area of one object being written: bytes go in with `write`, `finish` makes them
/// durable and reports their size and digests, `publish` makes them readable under a key.
public protocol ObjectWriter: Sendable {
    func write(_ buffer: ByteBuffer) async throws
    /// Flushes and syncs the staged bytes.
    func finish() async throws -> WrittenObject
    /// Makes the finished bytes readable under `key`, atomically; the staging area is gone afterwards.
    func publish(as key: String) async throws
    /// Drops the staged bytes; safe to call at any point, more than once.
    func discard() async
}

/// What a finished write holds.
public struct WrittenObject: Sendable, Equatable {
    public let size: Int64
    /// MD5 of the bytes in lower-case hex: the object's ETag.
    public let md5: String
    /// SHA-256 of the bytes in lower-case hex, for stores that sign uploads with it (S3).
    public let sha256: String?

    public init(size: Int64, md5: String, sha256: String?) {
        self.size = size
        self.md5 = md5
        self.sha256 = sha256
    }
}

/// A byte range of an object, both ends inclusive, already resolved against its size.
public struct ByteRange: Sendable, Equatable {
    public let first: Int64
    public let last: Int64

    public init(first: Int64, last: Int64) {
        self.first = first
        self.last = last
    }

    public var count: Int64 { last - first + 1 }
}

/// Why the object store could not do what was asked.
public enum ObjectStoreError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case invalidKey(String)
    case io(String)
    case remote(status: Int, message: String)

    public var description: String {
        switch self {
        case .notFound(let key): return "no object stored under \(key)"
        case .invalidKey(let key): return "invalid object key \(key)"
        case .io(let message): return message
        case .remote(let status, let message): return "object store answered \(status): \(message)"
        }
    }

    /// Keys are flat tokens of letters, digits, `-` and `_` (1–200 characters), so they can never
    /// name anything outside the store.
    static func check(_ key: String) throws(ObjectStoreError) {
        let allowed = key.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard allowed, (1...200).contains(key.utf8.count) else { throw .invalidKey(key) }
    }
}
