/// The best-practices scorecard: each practice states its rule, counts the objects it applies
/// to and those that follow it, and is graded by the share that do — A: all, B: 90 % or more,
/// C: 75 %, D: 50 %, F: less; "n/a" when nothing in the database is concerned.
public struct Scorecard: Sendable, Equatable {
    public struct Practice: Sendable, Equatable {
        public var name: String
        public var rule: String
        public var passed: Int
        public var applicable: Int
        /// Notes on the result (what fails, the vector index's settings).
        public var detail: String

        public var percent: Int? { applicable == 0 ? nil : passed * 100 / applicable }
        public var grade: String { percent.map(Scorecard.grade) ?? "n/a" }
    }

    public var practices: [Practice]

    /// The mean of the graded practices' shares, as a percentage.
    public var overallPercent: Int? {
        let graded = practices.compactMap(\.percent)
        return graded.isEmpty ? nil : graded.reduce(0, +) / graded.count
    }

    public var overallGrade: String { overallPercent.map(Self.grade) ?? "n/a" }

    static func grade(_ percent: Int) -> String {
        switch percent {
        case 100...: return "A"
        case 90..<100: return "B"
        case 75..<90: return "C"
        case 50..<75: return "D"
        default: return "F"
        }
    }

    /// - Parameter indexes: the indexes by category (their vector indexes are graded here).
    public init(facts: DatabaseFacts, schemas: [ServedSchema], findings: [Finding], indexes: IndexAnalysis) {
        let exposedTables = facts.tables.filter { schemas.isExposed($0.schema) }
        let reachable = facts.tables.filter { schemas.isExposed($0.schema) || $0.isGrantedToClients }
        var practices: [Practice] = []
        func add(_ name: String, _ rule: String, _ items: [Bool], _ detail: String = "") {
            practices.append(Practice(name: name, rule: rule, passed: items.filter { $0 }.count, applicable: items.count, detail: detail))
        }
        func failing(_ rule: Rule.ID) -> String {
            var locations: [String] = []
            for finding in findings where finding.rule == rule && !locations.contains(finding.location) { locations.append(finding.location) }
            guard !locations.isEmpty else { return "" }
            return "failing: " + locations.prefix(5).joined(separator: ", ") + (locations.count > 5 ? ", … (\(locations.count))" : "")
        }

        add("Row-level security", "RLS is enabled on every table a client role can reach (exposed schemas, and any table granted to anon or authenticated).",
            reachable.map(\.rlsEnabled), failing(.rlsDisabled))
        let grantedOperations = reachable.filter(\.rlsEnabled).flatMap { table in
            table.clientPrivileges.sorted { $0.key < $1.key }.flatMap { role, privileges in
                privileges.map { privilege in
                    (operation: "\(table.qualifiedName) \(role) \(privilege)",
                     admitted: facts.policies.contains { $0.schema == table.schema && $0.table == table.name && $0.admits(role: role, privilege: privilege) })
                }
            }
        }
        let refused = grantedOperations.filter { !$0.admitted }.map(\.operation)
        add("Policies per operation", "Every operation granted to a client role on an RLS table has a policy for that role and operation.",
            grantedOperations.map(\.admitted), refused.isEmpty ? "" : "no policy: " + refused.joined(separator: ", "))
        let writePolicies = facts.policies.filter { $0.isWrite && $0.roles != [ServedSchema.serviceRole] }
        add("Restricted write policies", "No write policy for a client role is USING (true) or WITH CHECK (true).",
            writePolicies.map { $0.alwaysTrueClause == nil }, failing(.alwaysTrueWritePolicy))
        add("Primary keys", "Every table has a primary key.", facts.tables.map { !$0.primaryKey.isEmpty }, failing(.missingPrimaryKey))
        add("Indexed foreign keys", "Every foreign key has an index leading with its columns.",
            facts.foreignKeys.map { ForeignKeyCoverage.coveringIndex(of: $0, among: facts.indexes) != nil }, failing(.unindexedForeignKey))
        let noAction = facts.foreignKeys.filter { $0.onDelete == "NO ACTION" }.map { "\($0.qualifiedTable).\($0.name)" }
        add("Foreign-key delete actions", "Every foreign key says what a delete does (CASCADE, SET NULL, SET DEFAULT or RESTRICT), not the default NO ACTION.",
            facts.foreignKeys.map { $0.onDelete != "NO ACTION" }, noAction.isEmpty ? "" : "NO ACTION: " + noAction.joined(separator: ", "))
        let statusColumns = facts.tables.flatMap { table in
            table.columns.filter { IssueFinder.isStatusName($0.name) && IssueFinder.textTypes.contains($0.baseType) }.map { (table, $0) }
        }
        add("CHECKs on status columns", "Every text status/state column is limited by a CHECK, an enum or a foreign key.",
            statusColumns.map { $0.1.isEnum || facts.constrains($0.1.name, of: $0.0) }, failing(.uncheckedStatus))
        add("Timestamps", "Every table of an exposed schema that client roles use has created_at and updated_at.",
            facts.tables.filter { IssueFinder.owesTimestamps($0, schemas) }.map { $0.column("created_at") != nil && $0.column("updated_at") != nil },
            failing(.missingTimestamps))
        let withUpdatedAt = facts.tables.filter { $0.column("updated_at") != nil }
        add("updated_at triggers", "Every table with updated_at has a BEFORE UPDATE row trigger that sets it.",
            withUpdatedAt.map(\.hasUpdatedAtTrigger), failing(.updatedAtWithoutTrigger))
        add("Table comments", "Every table has a comment.", facts.tables.map { !($0.comment ?? "").isBlank }, failing(.missingTableComment))
        add("Column comments", "Every column of an exposed schema's tables has a comment.",
            exposedTables.flatMap { $0.columns.map { !($0.comment ?? "").isBlank } }, failing(.missingColumnComments))
        let seeded = facts.tables.filter { SeededCatalogues.tables.contains($0.qualifiedName) }
        add("Seed data", "Each seeded catalogue (\(SeededCatalogues.tables.joined(separator: ", "))) has rows.",
            seeded.map { ($0.exactRows ?? $0.rowEstimate ?? 1) > 0 },
            seeded.map { "\($0.qualifiedName) \($0.exactRows.map(String.init) ?? "?")" }.joined(separator: ", "))
        let vectorColumns = facts.tables.flatMap { table in
            table.columns.filter { $0.baseType == "vector" || $0.baseType == "halfvec" }.map { (table, $0) }
        }
        add("Vector indexes", "Every vector column has an HNSW or IVFFlat index (type and parameters shown).",
            vectorColumns.map { table, column in
                facts.indexes.contains { $0.schema == table.schema && $0.table == table.name && $0.isVector && $0.keyColumns.contains(column.name) }
            },
            indexes.vectorIndexes.map { "\($0.name): \($0.method) \($0.operatorClass), \($0.parameters)" }.joined(separator: "; "))
        let definers = facts.functions.filter(\.isSecurityDefiner)
        add("Definer search_path", "Every SECURITY DEFINER function sets its search_path.", definers.map(\.fixesSearchPath), failing(.definerSearchPath))
        add("No EXECUTE for PUBLIC", "No function is executable by PUBLIC.", facts.functions.map { !$0.publicExecute }, failing(.publicExecute))
        let secretColumns = facts.tables.flatMap { $0.columns.filter { SecretColumnName.namesSecret($0.name) } }
        add("Secrets encrypted", "Every column named like a secret holds a hash or ciphertext, not the secret.",
            secretColumns.map { !SecretColumnName.isPlaintextSecret($0) }, failing(.plaintextSecret))
        self.practices = practices
    }
}
