/// Rules on row-level security, policies and views.
extension IssueFinder {
    func rowLevelSecurityFindings() -> [Finding] {
        var findings: [Finding] = []
        for table in facts.tables {
            let exposed = schemas.isExposed(table.schema)
            let tablePolicies = policies(of: table)
            if !table.rlsEnabled {
                if exposed || table.isGrantedToClients {
                    let ignored = tablePolicies.isEmpty ? "" : "; its \(tablePolicies.count) policies are ignored"
                    findings.append(Finding(
                        rule: .rlsDisabled, severity: exposed ? .high : .medium, schema: table.schema, location: table.qualifiedName,
                        detail: (exposed ? "exposed schema" : "owner-only schema, but \(Self.grants(table))") + ignored))
                }
                continue
            }
            if tablePolicies.isEmpty {
                findings.append(Finding(
                    rule: .rlsWithoutPolicy, severity: table.isGrantedToClients ? .medium : .info, schema: table.schema,
                    location: table.qualifiedName,
                    detail: table.isGrantedToClients ? "\(Self.grants(table)), and every row is refused" : "deny-all: no client role holds a privilege"))
            } else {
                for (role, privileges) in table.clientPrivileges.sorted(by: { $0.key < $1.key }) {
                    for privilege in privileges where !tablePolicies.contains(where: { $0.admits(role: role, privilege: privilege) }) {
                        findings.append(Finding(
                            rule: .grantWithoutPolicy, schema: table.schema, location: table.qualifiedName,
                            detail: "\(role) holds \(privilege), no \(privilege) policy admits \(role)"))
                    }
                }
            }
        }
        for policy in facts.policies {
            let location = "\(policy.qualifiedTable) (policy \(policy.name))"
            if let clause = policy.alwaysTrueClause {
                findings.append(Finding(
                    rule: .alwaysTrueWritePolicy, schema: policy.schema, location: location,
                    detail: "\(policy.command) for \(policy.roles.joined(separator: ", ")) with \(clause) (true)"))
            }
            if let helper = Self.perRowAuthCall(in: policy) {
                findings.append(Finding(
                    rule: .perRowAuthCall, schema: policy.schema, location: location, detail: "\(helper) outside a sub-select"))
            }
        }
        for view in facts.views where schemas.isExposed(view.schema) && !view.securityInvoker && !view.selectableBy.isEmpty {
            findings.append(Finding(
                rule: .ownerRightsView, schema: view.schema, location: "\(view.schema).\(view.name)",
                detail: "selectable by \(view.selectableBy.joined(separator: ", ")), runs as its owner"))
        }
        return findings
    }

    /// "anon holds SELECT; authenticated holds SELECT, UPDATE".
    static func grants(_ table: DatabaseFacts.Table) -> String {
        table.clientPrivileges.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }
            .map { "\($0.key) holds \($0.value.joined(separator: ", "))" }.joined(separator: "; ")
    }

    /// The auth helper a policy calls outside a sub-select, if any.
    static func perRowAuthCall(in policy: DatabaseFacts.Policy) -> String? {
        let expression = [policy.using, policy.withCheck].compactMap { $0 }.joined(separator: " ")
        return ["auth.uid()", "auth.jwt()", "auth.role()"].first { helper in
            let calls = expression.ranges(of: helper).count
            let selected = expression.ranges(of: "SELECT " + helper).count + expression.ranges(of: "SELECT (" + helper).count
            return calls > selected
        }
    }
}

extension DatabaseFacts.Policy {
    /// Whether the policy may admit `role` for `privilege` (SELECT, INSERT, UPDATE, DELETE).
    public func admits(role: String, privilege: String) -> Bool {
        (command == "ALL" || command == privilege) && (roles.contains(role) || roles.contains("public"))
    }

    /// INSERT, UPDATE, DELETE or ALL.
    public var isWrite: Bool { command != "SELECT" }

    /// For a write policy of a client role, the clause that is `(true)` (`USING` or `WITH
    /// CHECK`): it admits every row. Nil otherwise.
    public var alwaysTrueClause: String? {
        guard isWrite, roles != [ServedSchema.serviceRole] else { return nil }
        return [("USING", using), ("WITH CHECK", withCheck)].first { $0.1 == "true" }?.0
    }
}
