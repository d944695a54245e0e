#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Core
import Crypto
import NIOCore

/// One object's bytes being staged in a temp file: written in batches of up to 1 MiB on the
/// thread pool, hashed as they pass (MD5 for the ETag; SHA-256 too when the store signs its
/// uploads with it), synced by `finish`.
/// Memory held is one batch, whatever the object's size.
actor StagedFile {
    let path: String
    let files: BlockingFiles
    private var descriptor: Int32 = -1
    private var pending: ByteBuffer
    private var size: Int64 = 0
    private var md5 = Insecure.MD5()
    private var sha256: SHA256?
    private(set) var written: WrittenObject?
    private var closed = false

    static let batchSize = 1 << 20

    init(path: String, files: BlockingFiles, digestSHA256: Bool = false) async throws {
        self.path = path
        self.files = files
        sha256 = digestSHA256 ? SHA256() : nil
        pending = ByteBufferAllocator().buffer(capacity: 0)
        descriptor = try await files.run { try BlockingFiles.openNew(path) }
    }

    func write(_ buffer: ByteBuffer) async throws {
        guard !closed, written == nil else { throw ObjectStoreError.io("write to a closed staging file") }
        buffer.withUnsafeReadableBytes { bytes in
            md5.update(bufferPointer: bytes)
            sha256?.update(bufferPointer: bytes)
        }
        size += Int64(buffer.readableBytes)
        var buffer = buffer
        if pending.readableBytes == 0, buffer.readableBytes >= Self.batchSize {
            try await flush(buffer)
            return
        }
        pending.writeBuffer(&buffer)
        if pending.readableBytes >= Self.batchSize {
            let batch = pending
            pending = ByteBufferAllocator().buffer(capacity: 0)
            try await flush(batch)
        }
    }

    private func flush(_ batch: ByteBuffer) async throws {
        let fd = descriptor
        try await files.run { try BlockingFiles.writeAll(fd, batch) }
    }

    func finish() async throws -> WrittenObject {
        if let written { return written }
        guard !closed else { throw ObjectStoreError.io("finish of a discarded staging file") }
        if pending.readableBytes > 0 {
            let batch = pending
            pending = ByteBufferAllocator().buffer(capacity: 0)
            try await flush(batch)
        }
        let fd = descriptor
        try await files.run {
            try BlockingFiles.sync(fd)
            close(fd)
        }
        descriptor = -1
        let result = WrittenObject(size: size, md5: md5.finalize().hexString, sha256: sha256?.finalize().hexString)
        written = result
        return result
    }

    /// The staging file is gone (published elsewhere or removed).
    func markClosed() {
        closed = true
    }

    /// Closes and removes the staging file right here, not on the thread pool: it must also
    /// work in a task that is being cancelled (a client that hung up mid-upload).
    func discard() async {
        guard !closed else { return }
        closed = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        BlockingFiles.remove(path)
    }
}
