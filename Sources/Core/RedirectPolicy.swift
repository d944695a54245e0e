/// Which absolute URLs a client may ask the server to send people to (`redirect_to`, success and
/// cancel URLs): those under the server's public URL, and those matching a pattern of the allow
/// list. Patterns are globs as Supabase Auth reads them: `*` and `?` stop at `.` and `/`, `**`
/// crosses them; so `https://*.example.com/**` admits every page of every direct subdomain and
/// nothing of `example.com.evil.test`. Pure: the public URL and the patterns are passed in.
public struct RedirectPolicy: Sendable, Equatable {
    public let publicURL: String
    public let patterns: [String]

    /// The longest URL considered: longer ones are refused outright.
    public static let maxLength = 2_048

    public init(publicURL: String, patterns: [String]) {
        self.publicURL = publicURL
        self.patterns = patterns
    }

    /// The URL itself when it may be used, else nil. Only `http` and `https` URLs qualify, with
    /// no credentials and no characters that could end a header or a link.
    public func allowed(_ url: String) -> String? {
        let lower = url.lowercased()
        guard url.utf8.count <= Self.maxLength, lower.hasPrefix("https://") || lower.hasPrefix("http://"),
              url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && $0 != "\\" }),
              !Self.authority(of: url).contains("@")
        else { return nil }
        if Self.isUnder(url, base: publicURL) { return url }
        return patterns.contains { Self.glob($0, matches: url) } ? url : nil
    }

    /// `url` when allowed, else the public URL: where Supabase Auth sends people whose client
    /// asked for somewhere it may not.
    public func destination(_ url: String?) -> String {
        url.flatMap(allowed) ?? publicURL
    }

    /// The host (and port, and any user info) part of an absolute URL.
    static func authority(of url: String) -> Substring {
        guard let colon = url.firstIndex(of: ":") else { return "" }
        let rest = url[url.index(after: colon)...].drop { $0 == "/" }
        return rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    }

    /// Whether `url` is `base` or lies under it (same origin, path below base's).
    static func isUnder(_ url: String, base: String) -> Bool {
        let base = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard url.lowercased().hasPrefix(base.lowercased()) else { return false }
        let rest = url.dropFirst(base.count)
        return rest.isEmpty || rest.first == "/" || rest.first == "?" || rest.first == "#"
    }

    /// Glob matching with `**` (anything), `*` (anything but `.` and `/`) and `?` (one character
    /// but `.` and `/`); everything else literally. Dynamic programming over (pattern, text)
    /// positions: time and space grow with their product, which `allowed` keeps small.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let text = Array(text.unicodeScalars)
        func isSeparator(_ scalar: Unicode.Scalar) -> Bool { scalar == "." || scalar == "/" }
        let width = text.count + 1
        // matches[i * width + j]: pattern[i...] matches text[j...].
        var matches = [Bool](repeating: false, count: (pattern.count + 2) * width)
        matches[pattern.count * width + text.count] = true
        for i in stride(from: pattern.count - 1, through: 0, by: -1) {
            let crossing = pattern[i] == "*" && i + 1 < pattern.count && pattern[i + 1] == "*"
            for j in stride(from: text.count, through: 0, by: -1) {
                let here: Bool
                switch pattern[i] {
                case "*" where crossing:
                    here = matches[(i + 2) * width + j] || (j < text.count && matches[i * width + j + 1])
                case "*":
                    here = matches[(i + 1) * width + j] || (j < text.count && !isSeparator(text[j]) && matches[i * width + j + 1])
                case "?":
                    here = j < text.count && !isSeparator(text[j]) && matches[(i + 1) * width + j + 1]
                default:
                    here = j < text.count && pattern[i] == text[j] && matches[(i + 1) * width + j + 1]
                }
                matches[i * width + j] = here
            }
        }
        return matches[0]
    }
}
