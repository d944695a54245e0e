import Foundation
import Logging

/// Writes each log line as text to standard error (`VISIONARY_LOG_FORMAT=text`, the default):
/// `2026-12-03T09:15:00+0000 info visionary: request_id=… [Source] message`, the time in UTC and
/// the metadata sorted by key. Unlike swift-log's `StreamLogHandler`, which formats the metadata
/// each time it is set, this formats it only when a line is written: every request sets its
/// request id, and most requests write no line.
struct TextLogHandler: LogHandler {
    let label: String
    var output: @Sendable (String) -> Void = JSONLogHandler.standardError
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = JSONLogHandler.merge(metadata, provider: metadataProvider, event: event.metadata)
        output(Self.line(time: Date(), level: event.level, label: label, message: event.message.description, source: event.source, metadata: merged) + "\n")
    }

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
