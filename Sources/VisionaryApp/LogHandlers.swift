import Core
import Foundation
import Logging

/// How one log line is written (`VISIONARY_LOG_FORMAT`).
protocol LogLineFormat: Sendable {
    static func line(time: Date, level: Logger.Level, label: String, message: String, source: String, metadata: Logger.Metadata) -> String
}

/// Writes each log line to standard error in one `write`, so lines of concurrent requests never
/// interleave. The metadata is kept as set and formatted only when a line is written: every
/// request sets its request id, and most requests write no line (swift-log's
/// `StreamLogHandler` formats it each time it is set).
struct LineLogHandler<Format: LogLineFormat>: LogHandler {
    let label: String
    /// Where a finished line goes (with its newline); standard error unless a test listens.
    var output: @Sendable (String) -> Void = standardErrorLine
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        // The logger's metadata, then the provider's, then the event's, later ones winning.
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        output(Format.line(
            time: Date(), level: event.level, label: label, message: event.message.description, source: event.source, metadata: merged) + "\n")
    }
}

typealias TextLogHandler = LineLogHandler<TextLines>
typealias JSONLogHandler = LineLogHandler<JSONLines>

/// Writes a finished line to standard error in one `write` (lines never interleave).
let standardErrorLine: @Sendable (String) -> Void = { line in
    Array(line.utf8).withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { break }
            offset += written
        }
    }
}

/// `2026-12-03T09:15:00+0000 info visionary: request_id=… user=… [Source] message`: the time in
/// UTC, the metadata sorted by key (the default format).
enum TextLines: LogLineFormat {
    static func line(time: Date, level: Logger.Level, label: String, message: String, source: String, metadata: Logger.Metadata) -> String {
        let pairs = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return "\(timestamp(time)) \(level) \(label):" + (pairs.isEmpty ? "" : " " + pairs.joined(separator: " ")) + " [\(source)] \(message)"
    }

    /// `YYYY-MM-DDTHH:MM:SS+0000`.
    static func timestamp(_ time: Date) -> String {
        var seconds = time_t(time.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))+0000"
    }
}

/// One JSON object per line: `time` (UTC, milliseconds), `level`, `label`, `message`, `source`,
/// then the metadata as further keys, sorted — the request's `request_id` among them; a metadata
/// key never replaces a fixed field.
enum JSONLines: LogLineFormat {
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
