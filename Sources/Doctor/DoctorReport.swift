/// The live database report of `visionary doctor`, in the structure of the schema review:
/// executive summary, schema inventory by feature area, best-practices scorecard, issues by
/// severity, RLS policy analysis, index analysis, migration status and action items. Built from
/// the facts alone; `MarkdownReport` and `JSONReport` render it.
public struct DoctorReport: Sendable, Equatable {
    /// One of the server's schemas, in numbers.
    public struct SchemaSummary: Sendable, Equatable {
        public var name: String
        public var exposed: Bool
        public var reachedBy: String
        public var tables: Int
        public var tablesWithRLS: Int
        public var policies: Int
        public var functions: Int
        public var indexes: Int
    }

    /// A table as the inventory lists it.
    public struct TableEntry: Sendable, Equatable {
        public var schema: String
        public var name: String
        /// Exact for the seeded catalogues, else the planner's estimate; nil when unknown.
        public var rows: Int?
        public var rowsAreExact: Bool
        public var rlsEnabled: Bool
        public var policies: Int
        public var comment: String?

        public var qualifiedName: String { "\(schema).\(name)" }
    }

    /// The tables of one feature area.
    public struct AreaInventory: Sendable, Equatable {
        public var area: FeatureArea
        public var tables: [TableEntry]
        /// The sum of the known row counts.
        public var rows: Int { tables.compactMap(\.rows).reduce(0, +) }
    }

    /// How many policies follow each pattern, and on which tables.
    public struct PolicyAnalysis: Sendable, Equatable {
        public struct PatternCount: Sendable, Equatable {
            public var pattern: PolicyPattern
            public var policies: Int
            public var tables: [String]
        }

        /// One policy with its pattern.
        public struct ClassifiedPolicy: Sendable, Equatable {
            public var policy: DatabaseFacts.Policy
            public var pattern: PolicyPattern
        }

        public var total: Int
        public var patterns: [PatternCount]
        /// Policies per command (SELECT, INSERT, UPDATE, DELETE, ALL).
        public var byCommand: [(command: String, count: Int)] {
            ["SELECT", "INSERT", "UPDATE", "DELETE", "ALL"].map { command in (command, policies.filter { $0.policy.command == command }.count) }
        }
        /// Each policy with its pattern, table by table.
        public var policies: [ClassifiedPolicy]
    }

    /// One thing to do: a rule's findings taken together, with its remedy.
    public struct ActionItem: Sendable, Equatable {
        public var severity: Severity
        public var rule: Rule
        public var locations: [String]
    }

    public var database: String
    public var serverVersion: String
    public var capturedAt: String
    public var statsResetAt: String?
    public var schemas: [SchemaSummary]
    public var inventory: [AreaInventory]
    public var scorecard: Scorecard
    /// Most severe first.
    public var findings: [Finding]
    public var policyAnalysis: PolicyAnalysis
    public var indexAnalysis: IndexAnalysis
    public var migrations: MigrationStatus
    /// HIGH first; INFO findings are not actions.
    public var actionItems: [ActionItem]

    /// Whether any finding is HIGH (the command then exits non-zero).
    public var hasHighFindings: Bool { findings.contains { $0.severity == .high } }

    public func count(_ severity: Severity) -> Int { findings.count(severity) }

    public init(facts: DatabaseFacts, bundledMigrations: [BundledMigration], schemas: [ServedSchema] = ServedSchema.served) {
        let finder = IssueFinder(facts: facts, schemas: schemas, bundledMigrations: bundledMigrations)
        let findings = finder.findings()
        database = facts.database
        serverVersion = facts.serverVersion
        capturedAt = facts.capturedAt
        statsResetAt = facts.statsResetAt
        self.findings = findings
        migrations = finder.migrations
        let indexAnalysis = IndexAnalysis(indexes: facts.indexes, foreignKeys: facts.foreignKeys)
        self.indexAnalysis = indexAnalysis
        scorecard = Scorecard(facts: facts, schemas: schemas, findings: findings, indexes: indexAnalysis)

        let schemaNames = schemas.map(\.name) + Set(facts.tables.map(\.schema)).subtracting(schemas.map(\.name)).sorted()
        self.schemas = schemaNames.map { name in
            let served = schemas.first { $0.name == name }
            let tables = facts.tables.filter { $0.schema == name }
            return SchemaSummary(
                name: name, exposed: served?.exposed ?? true, reachedBy: served?.reachedBy ?? "not one of the server's schemas",
                tables: tables.count, tablesWithRLS: tables.filter(\.rlsEnabled).count,
                policies: facts.policies.filter { $0.schema == name }.count,
                functions: facts.functions.filter { $0.schema == name }.count,
                indexes: facts.indexes.filter { $0.schema == name }.count)
        }

        let entries = facts.tables.map { table in
            TableEntry(
                schema: table.schema, name: table.name, rows: table.exactRows ?? table.rowEstimate, rowsAreExact: table.exactRows != nil,
                rlsEnabled: table.rlsEnabled, policies: facts.policies.filter { $0.schema == table.schema && $0.table == table.name }.count,
                comment: table.comment)
        }
        let byArea = Dictionary(grouping: entries) { FeatureArea.of(schema: $0.schema, table: $0.name) }
        inventory = byArea.keys.sorted().map { area in
            AreaInventory(area: area, tables: (byArea[area] ?? []).sorted { ($0.schema, $0.name) < ($1.schema, $1.name) })
        }

        let classified = facts.policies.sorted { ($0.schema, $0.table, $0.name) < ($1.schema, $1.table, $1.name) }
            .map { PolicyAnalysis.ClassifiedPolicy(policy: $0, pattern: PolicyPattern.of($0)) }
        policyAnalysis = PolicyAnalysis(
            total: classified.count,
            patterns: PolicyPattern.allCases.map { pattern in
                let members = classified.filter { $0.pattern == pattern }
                return PolicyAnalysis.PatternCount(
                    pattern: pattern, policies: members.count, tables: Array(Set(members.map(\.policy.qualifiedTable))).sorted())
            },
            policies: classified)

        let actionable = Dictionary(grouping: findings.filter { $0.severity != .info }) { ActionKey(severity: $0.severity, rule: $0.rule) }
        actionItems = actionable.keys
            .sorted { ($0.severity.rank, $0.rule.rank) < ($1.severity.rank, $1.rule.rank) }
            .map { key in ActionItem(severity: key.severity, rule: Rule.named(key.rule), locations: (actionable[key] ?? []).map(\.location)) }
    }
}

/// A rule's findings of one severity, which make one action item.
private struct ActionKey: Hashable {
    var severity: Severity
    var rule: Rule.ID
}
