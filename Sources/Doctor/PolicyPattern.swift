/// The kinds of row-level security policy, as the schema review counted them. Each policy is
/// one kind, tried in this order:
/// - service role: it applies to service_role alone, or tests for the service_role claim;
/// - role-based: it asks a role or membership helper (`team_role(…)`, `is_team_member(…)`,
///   `auth.role()`, the JWT's role);
/// - multi-party: it compares the caller (`auth.uid()`, or a caller-identity helper such as
///   `internal.caller_confirmed_email()`) with two or more columns of the same row — both sides
///   of a partnership, an inviter and an invitee;
/// - ownership: it compares the caller with one column of a row (`user_id = (select auth.uid())`,
///   also when a sub-select checks that a referenced row has the same owner);
/// - public read: a SELECT policy that does not look at the caller (`USING (true)`, `is_active`);
/// - other: anything else.
public enum PolicyPattern: String, Sendable, CaseIterable {
    case ownership = "Ownership"
    case publicRead = "Public read"
    case serviceRole = "Service role"
    case multiParty = "Multi-party"
    case roleBased = "Role-based"
    case other = "Other"

    public static func of(_ policy: DatabaseFacts.Policy) -> PolicyPattern {
        let expression = [policy.using, policy.withCheck].compactMap { $0 }.joined(separator: " AND ")
        if policy.roles == [ServedSchema.serviceRole] || expression.contains("'service_role'") { return .serviceRole }
        if callsRoleHelper(expression) { return .roleBased }
        let columns = callerColumns(expression)
        let byRow = Dictionary(grouping: columns) { $0.split(separator: ".").dropLast().joined(separator: ".") }
        if byRow.values.contains(where: { $0.count >= 2 }) { return .multiParty }
        if !columns.isEmpty || mentionsCaller(expression) { return .ownership }
        if policy.command == "SELECT" { return .publicRead }
        return .other
    }

    /// Whether the expression calls a function whose name speaks of roles or membership, or
    /// reads the role claim.
    static func callsRoleHelper(_ expression: String) -> Bool {
        if expression.contains("->> 'role'") { return true }
        return expression.matches(of: /([A-Za-z_][A-Za-z0-9_.]*)\(/).contains { match in
            let name = match.output.1.split(separator: ".").last.map(String.init) ?? ""
            return name.contains("role") || name.contains("member")
        }
    }

    /// The caller-identity calls a policy may compare columns with.
    static let callerCall = #"(?:auth\.uid|auth\.email|[A-Za-z_.]*caller_[A-Za-z_]*)\(\)"#

    /// The columns compared (`=`) with the caller, with the alias that qualifies them if any
    /// (`user_id`, `c.partner_id`).
    static func callerColumns(_ expression: String) -> Set<String> {
        let column = #"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)"#
        let caller = #"(?:\( SELECT \#(callerCall) AS [A-Za-z0-9_]+\)|\#(callerCall))"#
        var names = Set<String>()
        for pattern in [column + " = " + caller, caller + " = " + column] {
            guard let regex = try? Regex(pattern) else { continue }
            for match in expression.matches(of: regex) {
                guard match.output.count > 1, let captured = match.output[1].substring else { continue }
                names.insert(String(captured))
            }
        }
        return names
    }

    static func mentionsCaller(_ expression: String) -> Bool {
        guard let regex = try? Regex(callerCall) else { return false }
        return expression.contains(regex)
    }
}
