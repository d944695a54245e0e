#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// Blocking POSIX file calls, run on NIO's thread pool so no event loop ever waits on a disk.
struct BlockingFiles: Sendable {
    let pool: NIOThreadPool

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    static func errorText(_ call: String, _ path: String) -> String {
        "\(call) \(path): \(String(cString: strerror(errno)))"
    }

    /// Creates `path` and its missing parents (mode 0700).
    static func makeDirectories(_ path: String) throws {
        var current = ""
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + segment
            if mkdir(current, 0o700) != 0, errno != EEXIST {
                throw ObjectStoreError.io(errorText("mkdir", current))
            }
        }
    }

    static func openNew(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ObjectStoreError.io(errorText("open", path)) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw ObjectStoreError.io(errorText("write", "staged object"))
                }
                offset += written
            }
        }
    }

    static func sync(_ fd: Int32) throws {
        guard fsync(fd) == 0 else { throw ObjectStoreError.io(errorText("fsync", "staged object")) }
    }

    /// Syncs a directory so a rename or unlink in it survives a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ObjectStoreError.io(errorText("open", path)) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ObjectStoreError.io(errorText("fsync", path)) }
    }

    static func remove(_ path: String) {
        unlink(path)
    }
}

/// The bytes of a file (or of a range of it) as an async sequence of chunks, read on the thread
/// pool one chunk at a time as the consumer asks: streaming with backpressure, never the whole file.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let offset: Int64
    let count: Int64
    let files: BlockingFiles
    var chunkSize = 256 * 1024

    /// Opens the file now, so a missing file is reported before any byte is promised.
    static func make(_ path: String, offset: Int64, count: Int64?, files: BlockingFiles) async throws -> (FileChunks, Int64) {
        let size: Int64 = try await files.run {
            var info = stat()
            guard stat(path, &info) == 0 else {
                if errno == ENOENT { throw ObjectStoreError.notFound(path) }
                throw ObjectStoreError.io(BlockingFiles.errorText("stat", path))
            }
            return Int64(info.st_size)
        }
        return (FileChunks(path: path, offset: offset, count: count ?? Swift.max(0, size - offset), files: files), size)
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(source: self)
    }

    final class Iterator: AsyncIteratorProtocol {
        let source: FileChunks
        var descriptor: Int32 = -1
        var position: Int64
        var remaining: Int64

        init(source: FileChunks) {
            self.source = source
            position = source.offset
            remaining = source.count
        }

        deinit {
            if descriptor >= 0 { close(descriptor) }
        }

        func next() async throws -> ByteBuffer? {
            guard remaining > 0 else {
                if descriptor >= 0 { close(descriptor); descriptor = -1 }
                return nil
            }
            if descriptor < 0 {
                let path = source.path
                descriptor = try await source.files.run {
                    let fd = open(path, O_RDONLY | O_CLOEXEC)
                    guard fd >= 0 else {
                        if errno == ENOENT { throw ObjectStoreError.notFound(path) }
                        throw ObjectStoreError.io(BlockingFiles.errorText("open", path))
                    }
                    return fd
                }
            }
            let fd = descriptor
            let length = Int(Swift.min(Int64(source.chunkSize), remaining))
            let offset = position
            let chunk: ByteBuffer = try await source.files.run {
                var buffer = ByteBufferAllocator().buffer(capacity: length)
                let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { bytes -> Int in
                    while true {
                        let count = pread(fd, bytes.baseAddress!, length, off_t(offset))
                        if count < 0, errno == EINTR { continue }
                        guard count >= 0 else { throw ObjectStoreError.io(BlockingFiles.errorText("read", "object")) }
                        return count
                    }
                }
                guard read > 0 else { throw ObjectStoreError.io("object file ended early") }
                return buffer
            }
            position += Int64(chunk.readableBytes)
            remaining -= Int64(chunk.readableBytes)
            return chunk
        }
    }
}
