import Foundation

/// The text of a knowledge source, from what the user handed in: plain text and Markdown as they
/// are, HTML with its markup stripped (headings kept as Markdown headings, so chunks still break
/// at them), PDF through poppler's `pdftotext`.
public enum SourceFormat: String, Sendable, Equatable {
    case text, markdown, html, pdf

    /// The format a `fileType` (a MIME type or an extension), a file name and the first bytes
    /// name, in that order of trust; nil when none says and the bytes are not text.
    public static func detect(fileType: String?, name: String?, bytes: [UInt8]) -> SourceFormat? {
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        let hints = [fileType, name.map { ($0 as NSString).pathExtension }].compactMap { $0?.lowercased() }
        for hint in hints {
            switch hint {
            case "pdf", "application/pdf": return .pdf
            case "html", "htm", "text/html", "application/xhtml+xml": return .html
            case "md", "markdown", "text/markdown", "text/x-markdown": return .markdown
            case "txt", "text", "text/plain", "csv", "text/csv", "json", "application/json": return .text
            default: continue
            }
        }
        // The bytes may be a prefix: a character cut at its end does not make them binary.
        var sample = bytes[...]
        for _ in 0..<3 where String(validatingUTF8Bytes: Array(sample)) == nil && !sample.isEmpty && sample.last! >= 0x80 {
            sample = sample.dropLast()
        }
        return String(validatingUTF8Bytes: Array(sample)) == nil ? nil : .text
    }
}

/// Why a source's text could not be had.
public enum SourceTextError: Error, Equatable, CustomStringConvertible {
    /// Not a format the knowledge base reads (or not UTF-8 text).
    case unsupported(String)
    /// The file claims a format but is broken (a PDF pdftotext cannot read).
    case unreadable(String)
    /// Larger than the configured limit.
    case tooLarge(Int)
    /// The tool a format needs is not installed (pdftotext).
    case toolMissing(String)
    /// A `sourceUrl` the server will not fetch (fetching is off, or the address is private).
    case fetchRefused(String)

    public var description: String {
        switch self {
        case .unsupported(let what): "unsupported source: \(what)"
        case .unreadable(let why): "unreadable source: \(why)"
        case .tooLarge(let limit): "the source is larger than \(limit) bytes"
        case .fetchRefused(let why): why
        case .toolMissing(let what): what
        }
    }
}

extension String {
    /// The bytes as text when they are valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        self = text
    }
}

/// Strips HTML to text: drops `script`, `style`, `head`, comments and tags; block elements break
/// lines; `h1`–`h6` become Markdown headings; entities are decoded.
public enum HTMLText {
    public static func text(_ html: String) -> String {
        var output = ""
        var index = html.startIndex
        func find(_ needle: String, from start: String.Index) -> String.Index? {
            html[start...].range(of: needle, options: .caseInsensitive)?.lowerBound
        }
        while index < html.endIndex {
            let character = html[index]
            guard character == "<" else {
                output.append(character)
                index = html.index(after: index)
                continue
            }
            if html[index...].hasPrefix("<!--") {
                guard let end = html[index...].range(of: "-->") else { break }
                index = end.upperBound
                continue
            }
            guard let close = html[index...].firstIndex(of: ">") else {
                output += html[index...]  // a `<` that opens no tag is text
                break
            }
            let tag = html[html.index(after: index)..<close]
            let name = tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
            let closing = tag.hasPrefix("/")
            index = html.index(after: close)
            if !closing, ["script", "style", "head", "noscript", "template"].contains(name) {
                guard let end = find("</\(name)", from: index), let after = html[end...].firstIndex(of: ">") else { break }
                index = html.index(after: after)
                continue
            }
            if name.count == 2, name.hasPrefix("h"), let level = Int(name.dropFirst()), (1...6).contains(level) {
                output += closing ? "\n\n" : "\n\n" + String(repeating: "#", count: level) + " "
            } else if blockTags.contains(name) {
                output += name == "li" && !closing ? "\n- " : "\n"
            } else {
                output += " "
            }
        }
        return collapse(decodeEntities(output))
    }

    static let blockTags: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header", "footer", "blockquote", "pre", "hr", "dt", "dd", "title",
    ]

    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "mdash": "—", "ndash": "–", "hellip": "…",
        "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“", "copy": "©", "eacute": "é",
    ]

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            output += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semicolon = after.prefix(12).firstIndex(of: ";") {
                let entity = after[..<semicolon]
                var decoded: String?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    decoded = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if entity.hasPrefix("#") {
                    decoded = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                } else {
                    decoded = named[String(entity)]
                }
                if let decoded {
                    output += decoded
                    rest = after[after.index(after: semicolon)...]
                    continue
                }
            }
            output += "&"
            rest = after
        }
        return output + rest
    }

    /// Runs of spaces become one; more than one blank line becomes one.
    static func collapse(_ text: String) -> String {
        var lines: [String] = []
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.isEmpty {
                blank += 1
                if blank == 1, !lines.isEmpty { lines.append("") }
            } else {
                blank = 0
                lines.append(words.joined(separator: " "))
            }
        }
        while lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
