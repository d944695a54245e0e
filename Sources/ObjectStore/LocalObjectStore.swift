#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Core
import NIOCore
import NIOPosix

/// Object bytes as files under one folder (by default `<data dir>/storage`): `objects/<ab>/<key>`
/// sharded by the key's first two characters, and `uploads/` for writes in progress. A write
/// streams into a temp file in `uploads/`, is synced, and is published by an atomic rename (then
/// the folder is synced), so a reader sees all of an object or nothing, and a crash mid-upload
/// leaves only a temp file that the next start removes.
public struct LocalObjectStore: ObjectStore {
    public let root: String
    let files: BlockingFiles

    public init(root: String, threadPool: NIOThreadPool = .singleton) {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
        files = BlockingFiles(pool: threadPool)
    }

    var uploads: String { root + "/uploads" }

    /// The file holding `key` (which must be a valid key).
    public func path(of key: String) throws(ObjectStoreError) -> String {
        try ObjectStoreError.check(key)
        return root + "/objects/" + key.prefix(2) + "/" + key
    }

    /// Removes temp files left by writes that never finished (a crash or a kill mid-upload).
    /// Only files older than `staleAfter` seconds go, so a server sharing the folder keeps its own.
    public func prepare() async throws {
        try await prepare(staleAfter: 3600)
    }

    public func prepare(staleAfter seconds: Int) async throws {
        let uploads = uploads
        try await files.run {
            guard let directory = opendir(uploads) else { return }
            defer { closedir(directory) }
            let now = time(nil)
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                var info = stat()
                let path = uploads + "/" + name
                if stat(path, &info) == 0, now - info.st_mtim.tv_sec >= seconds { unlink(path) }
            }
        }
    }

    public func makeWriter() async throws -> any ObjectWriter {
        let uploads = uploads
        try await files.run { try BlockingFiles.makeDirectories(uploads) }
        let staged = try await StagedFile(path: uploads + "/" + randomToken() + ".part", files: files)
        return LocalObjectWriter(store: self, staged: staged)
    }

    public func read(_ key: String, range: ByteRange?, into sink: (ByteBuffer) async throws -> Void) async throws {
        do {
            let (chunks, _) = try await FileChunks.make(try path(of: key), offset: range?.first ?? 0, count: range?.count, files: files)
            for try await chunk in chunks { try await sink(chunk) }
        } catch ObjectStoreError.notFound {
            throw ObjectStoreError.notFound(key)
        }
    }

    /// Objects never change once published, so a copy is a hard link (a byte copy across devices).
    public func copy(_ source: String, to destination: String) async throws {
        let from = try path(of: source)
        let to = try path(of: destination)
        let linked: Bool = try await files.run {
            try BlockingFiles.makeDirectories(String(to[..<to.lastIndex(of: "/")!]))
            if link(from, to) == 0 { return true }
            if errno == ENOENT { throw ObjectStoreError.notFound(source) }
            if errno == EXDEV || errno == EPERM || errno == EMLINK { return false }
            throw ObjectStoreError.io(BlockingFiles.errorText("link", to))
        }
        guard !linked else { return }
        let writer = try await makeWriter()
        do {
            try await read(source, range: nil) { chunk in try await writer.write(chunk) }
            _ = try await writer.finish()
            try await writer.publish(as: destination)
        } catch {
            await writer.discard()
            throw error
        }
    }

    public func delete(_ key: String) async throws {
        let path = try path(of: key)
        try await files.run {
            if unlink(path) != 0, errno != ENOENT { throw ObjectStoreError.io(BlockingFiles.errorText("unlink", path)) }
        }
    }
}

/// A local write: the staged temp file, renamed into place on publish.
struct LocalObjectWriter: ObjectWriter {
    let store: LocalObjectStore
    let staged: StagedFile

    func write(_ buffer: ByteBuffer) async throws { try await staged.write(buffer) }
    func finish() async throws -> WrittenObject { try await staged.finish() }
    func discard() async { await staged.discard() }

    func publish(as key: String) async throws {
        guard await staged.written != nil else { throw ObjectStoreError.io("publish before finish") }
        let target = try store.path(of: key)
        let source = staged.path
        let folder = String(target[..<target.lastIndex(of: "/")!])
        try await store.files.run {
            try BlockingFiles.makeDirectories(folder)
            guard rename(source, target) == 0 else { throw ObjectStoreError.io(BlockingFiles.errorText("rename", target)) }
            try BlockingFiles.syncDirectory(folder)
        }
        await staged.markClosed()
    }
}

/// 128 random bits as 32 hex digits: names of temp files and staged objects.
func randomToken() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
}
