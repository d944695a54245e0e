import Core
import Foundation
import MultipartForm
import NIOCore
import ObjectStore

/// An upload as it arrives: the request's headers that matter and its body, not yet read.
struct UploadInput<Body: AsyncSequence & Sendable> where Body.Element == ByteBuffer {
    var contentType: String?
    var cacheControl: String?
    /// `x-metadata`: base64 of a JSON object.
    var metadataHeader: String?
    var contentLength: Int64?
    var body: Body
}

/// What an upload stored, besides its bytes.
struct ReceivedUpload: Sendable {
    var mimeType: String
    var cacheControl: String
    var userMetadata: String?
    var written: WrittenObject
}

/// Reads an upload body into an object writer as it streams, in any of the three encodings the
/// clients use (docs/wire-compatibility.md, Uploads and downloads): multipart with a `file` part
/// (py), multipart with an unnamed file part (js Blob/File), or the raw bytes (js bytes/stream).
/// Enforces the size limit while counting, and the MIME rule as soon as the type is known.
enum UploadReceiver {
    static let defaultMimeType = "application/octet-stream"
    static let fieldLimit = 1 << 20

    static func receive<Body>(
        _ input: UploadInput<Body>, limit: Int64, allowedMimeTypes: [String]?, into writer: any ObjectWriter
    ) async throws -> ReceivedUpload {
        if let contentType = input.contentType, let boundary = MultipartParser.boundary(contentType: contentType) {
            return try await receiveMultipart(input, boundary: boundary, limit: limit, allowed: allowedMimeTypes, writer: writer)
        }
        let mimeType = input.contentType ?? defaultMimeType
        try check(mimeType, allowed: allowedMimeTypes)
        if let length = input.contentLength, length > limit { throw StorageError.payloadTooLarge }
        var size: Int64 = 0
        for try await chunk in input.body {
            size += Int64(chunk.readableBytes)
            guard size <= limit else { throw StorageError.payloadTooLarge }
            try await writer.write(chunk)
        }
        if let length = input.contentLength, length != size { throw StorageError.invalidRequest("The body ended before its Content-Length") }
        return ReceivedUpload(
            mimeType: mimeType, cacheControl: input.cacheControl ?? "no-cache",
            userMetadata: try input.metadataHeader.map(metadataFromHeader), written: try await writer.finish())
    }

    private static func receiveMultipart<Body>(
        _ input: UploadInput<Body>, boundary: String, limit: Int64, allowed: [String]?, writer: any ObjectWriter
    ) async throws -> ReceivedUpload {
        var parser = MultipartParser(boundary: boundary)
        var fields: [String: String] = [:]
        var field: (name: String, bytes: ByteBuffer)?
        var partMimeType: String?
        var inFile = false
        var fileDone = false
        var size: Int64 = 0
        func handle(_ event: MultipartParser.Event) async throws {
            switch event {
            case .partStart(let headers):
                let disposition = ContentDisposition(headers.first { $0.name == "content-disposition" }?.value ?? "")
                if !fileDone, !inFile, disposition.filename != nil || disposition.name == "file" || disposition.name == "" {
                    inFile = true
                    partMimeType = headers.first { $0.name == "content-type" }?.value
                    try check(fields["contentType"] ?? partMimeType ?? defaultMimeType, allowed: allowed)
                } else {
                    field = (disposition.name ?? "", ByteBuffer())
                }
            case .body(let slice):
                if inFile {
                    size += Int64(slice.count)
                    guard size <= limit else { throw StorageError.payloadTooLarge }
                    try await writer.write(ByteBuffer(bytes: slice))
                } else if var current = field {
                    guard current.bytes.readableBytes + slice.count <= fieldLimit else {
                        throw StorageError.invalidRequest("form field \(current.name) is too large")
                    }
                    current.bytes.writeBytes(slice)
                    field = current
                }
            case .partEnd:
                if inFile {
                    inFile = false
                    fileDone = true
                } else if let current = field {
                    fields[current.name] = String(buffer: current.bytes)
                    field = nil
                }
            }
        }
        for try await chunk in input.body {
            parser.append(chunk.readableBytesView)
            // A store that fails to write is the server's fault: a 500, its details in the log; a
            // malformed body (`MultipartError`) is the client's, which the catalogue translates.
            while let event = try parser.nextEvent() { try await handle(event) }
        }
        guard parser.isFinished else { throw StorageError.invalidRequest("The multipart body ended early") }
        guard fileDone else { throw StorageError.noContent }
        let mimeType = fields["contentType"] ?? partMimeType ?? defaultMimeType
        try check(mimeType, allowed: allowed)
        var cacheControl = "no-cache"
        if let value = fields["cacheControl"]?.trimmingBlanks(), !value.isEmpty {
            cacheControl = value.allSatisfy(\.isNumber) ? "max-age=\(value)" : value
        }
        return ReceivedUpload(
            mimeType: mimeType, cacheControl: cacheControl, userMetadata: try fields["metadata"].map(metadataObject),
            written: try await writer.finish())
    }

    /// Refuses a type that is malformed or not among the bucket's allowed types (`type/*` wildcards
    /// allowed, though they never admit active content such as SVG: that must be listed exactly).
    static func check(_ mimeType: String, allowed: [String]?) throws(StorageError) {
        let base = ActiveContent.essence(of: mimeType)
        let parts = base.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, mimeType.utf8.count <= 255,
              mimeType.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7f })
        else { throw .invalidMimeType(mimeType) }
        guard let allowed, !allowed.isEmpty else { return }
        let permitted = allowed.contains { entry in
            let entry = entry.trimmingBlanks().lowercased()
            return entry.hasSuffix("/*") ? base.hasPrefix(entry.dropLast()) && !ActiveContent.isActive(base) : entry == base
        }
        guard permitted else { throw .invalidMimeType(mimeType) }
    }

    /// `x-metadata`: base64 of a JSON object.
    static func metadataFromHeader(_ value: String) throws -> String {
        guard let data = Data(base64Encoded: value), let text = String(data: data, encoding: .utf8) else {
            throw StorageError.invalidRequest("x-metadata must be base64 of a JSON object")
        }
        return try metadataObject(text)
    }

    static func metadataObject(_ text: String) throws -> String {
        guard case .object? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            throw StorageError.invalidRequest("metadata must be a JSON object")
        }
        return text
    }
}
