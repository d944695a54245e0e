import Core
import Foundation
import Logging

/// Writes each log line as one JSON object to standard error (`VISIONARY_LOG_FORMAT=json`):
/// `time` (UTC, milliseconds), `level`, `label`, `message`, `source`, and the line's metadata as
/// further keys — the request's `request_id` among them. Each line goes out in one `write`, so
/// lines of concurrent requests never interleave.
struct JSONLogHandler: LogHandler {
    let label: String
    /// Where a finished line goes (with its newline); standard error unless a test listens.
    var output: @Sendable (String) -> Void = JSONLogHandler.standardError
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = Self.merge(metadata, provider: metadataProvider, event: event.metadata)
        let line = Self.line(
            time: Date(), level: event.level, label: label, message: event.message.description, source: event.source, metadata: merged)
        output(line + "\n")
    }

    /// A line's metadata: the logger's, then the provider's, then the event's, later ones winning.
    static func merge(_ metadata: Logger.Metadata, provider: Logger.MetadataProvider?, event: Logger.Metadata?) -> Logger.Metadata {
        var merged = metadata
        if let provided = provider?.get() { merged.merge(provided) { _, new in new } }
        if let event { merged.merge(event) { _, new in new } }
        return merged
    }

    /// Writes a finished line to standard error in one `write` (lines never interleave).
    static let standardError: @Sendable (String) -> Void = { line in
        Array(line.utf8).withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// One line's JSON object, keys in a fixed order: the fixed fields first, then the metadata
    /// sorted by key (a metadata key never replaces a fixed field).
    static func line(time: Date, level: Logger.Level, label: String, message: String, source: String, metadata: Logger.Metadata) -> String {
        var fields = [
            ("time", time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)).jsonQuoted),
            ("level", level.rawValue.jsonQuoted), ("label", label.jsonQuoted), ("message", message.jsonQuoted), ("source", source.jsonQuoted),
        ]
        let fixed = Set(fields.map(\.0))
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !fixed.contains(key) {
            fields.append((key, json(value)))
        }
        return "{" + fields.map { "\($0.0.jsonQuoted):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text.jsonQuoted
        case .stringConvertible(let convertible): convertible.description.jsonQuoted
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values): "{" + values.sorted(by: { $0.key < $1.key }).map { "\($0.key.jsonQuoted):\(json($0.value))" }.joined(separator: ",") + "}"
        }
    }
}
