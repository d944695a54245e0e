/// How much a finding matters. HIGH means a client could read or change what it must not (or
/// the server cannot start): `visionary doctor` exits non-zero on any.
public enum Severity: String, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case high = "HIGH"
    case medium = "MEDIUM"
    case low = "LOW"
    case info = "INFO"

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }

    /// 0 for HIGH, growing as the severity falls.
    var rank: Int { Self.allCases.firstIndex(of: self) ?? Self.allCases.count }
}

/// One problem found in the database: the rule it breaks, how much it matters here, where it
/// is, and what exactly is wrong.
public struct Finding: Sendable, Equatable {
    public var rule: Rule.ID
    public var severity: Severity
    /// The schema the object lives in.
    public var schema: String
    /// The object, schema-qualified: `public.t`, `public.t.column`, `public.t_idx`,
    /// `public.f(uuid)`, `public.t (policy p)`, or `migration 0042`.
    public var location: String
    public var detail: String

    public init(rule: Rule.ID, severity: Severity? = nil, schema: String, location: String, detail: String) {
        self.rule = rule
        self.severity = severity ?? Rule.named(rule).severity
        self.schema = schema
        self.location = location
        self.detail = detail
    }
}

extension Array where Element == Finding {
    /// Most severe first, then in the order of `Rule.all` and by location, so that reports of
    /// the same database read the same.
    public func ordered() -> [Finding] {
        sorted { ($0.severity.rank, $0.rule.rank, $0.location) < ($1.severity.rank, $1.rule.rank, $1.location) }
    }

    public func count(_ severity: Severity) -> Int { filter { $0.severity == severity }.count }
}
