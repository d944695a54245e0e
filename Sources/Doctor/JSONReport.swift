/// The report as one JSON object (`visionary doctor --json`), with the Markdown report's
/// sections as keys: `summary`, `schemas`, `inventory`, `scorecard`, `findings`, `policies`,
/// `indexes`, `migrations`, `actionItems` and `rules`.
public struct JSONReport: Sendable {
    public let report: DoctorReport

    public init(_ report: DoctorReport) {
        self.report = report
    }

    public func render() -> String {
        document().text() + "\n"
    }

    func document() -> JSONDocument {
        .object([
            ("database", .string(report.database)),
            ("serverVersion", .string(report.serverVersion)),
            ("capturedAt", .string(report.capturedAt)),
            ("statsResetAt", .optional(report.statsResetAt)),
            ("summary", summary()),
            ("schemas", .array(report.schemas.map(schema))),
            ("inventory", .array(report.inventory.map(area))),
            ("scorecard", scorecard()),
            ("findings", .array(report.findings.map(finding))),
            ("policies", policies()),
            ("indexes", indexes()),
            ("migrations", migrations()),
            ("actionItems", .array(report.actionItems.map(actionItem))),
            ("rules", .array(Rule.all.map(rule))),
        ])
    }

    func summary() -> JSONDocument {
        .object([
            ("tables", .number(report.schemas.map(\.tables).reduce(0, +))),
            ("policies", .number(report.policyAnalysis.total)),
            ("functions", .number(report.schemas.map(\.functions).reduce(0, +))),
            ("indexes", .number(report.indexAnalysis.total)),
            ("findings", .object(Severity.allCases.map { ($0.rawValue, .number(report.count($0))) })),
            ("hasHighFindings", .bool(report.hasHighFindings)),
            ("scorePercent", .optional(report.scorecard.overallPercent)),
            ("grade", .string(report.scorecard.overallGrade)),
            ("migrationsCurrent", .bool(report.migrations.isCurrent)),
        ])
    }

    func schema(_ schema: DoctorReport.SchemaSummary) -> JSONDocument {
        .object([
            ("name", .string(schema.name)), ("exposed", .bool(schema.exposed)), ("reachedBy", .string(schema.reachedBy)),
            ("tables", .number(schema.tables)), ("tablesWithRLS", .number(schema.tablesWithRLS)), ("policies", .number(schema.policies)),
            ("functions", .number(schema.functions)), ("indexes", .number(schema.indexes)),
        ])
    }

    func area(_ area: DoctorReport.AreaInventory) -> JSONDocument {
        .object([
            ("area", .string(area.area.rawValue)),
            ("tables", .array(area.tables.map { table in
                .object([
                    ("schema", .string(table.schema)), ("name", .string(table.name)), ("rows", .optional(table.rows)),
                    ("rowsAreExact", .bool(table.rowsAreExact)), ("rlsEnabled", .bool(table.rlsEnabled)),
                    ("policies", .number(table.policies)), ("comment", .optional(table.comment)),
                ])
            })),
        ])
    }

    func scorecard() -> JSONDocument {
        .object([
            ("overallPercent", .optional(report.scorecard.overallPercent)),
            ("grade", .string(report.scorecard.overallGrade)),
            ("practices", .array(report.scorecard.practices.map { practice in
                .object([
                    ("name", .string(practice.name)), ("rule", .string(practice.rule)), ("passed", .number(practice.passed)),
                    ("applicable", .number(practice.applicable)), ("percent", .optional(practice.percent)),
                    ("grade", .string(practice.grade)), ("detail", .string(practice.detail)),
                ])
            })),
        ])
    }

    func finding(_ finding: Finding) -> JSONDocument {
        .object([
            ("severity", .string(finding.severity.rawValue)), ("rule", .string(finding.rule.rawValue)),
            ("schema", .string(finding.schema)), ("location", .string(finding.location)), ("detail", .string(finding.detail)),
        ])
    }

    func policies() -> JSONDocument {
        let analysis = report.policyAnalysis
        return .object([
            ("total", .number(analysis.total)),
            ("byCommand", .object(analysis.byCommand.map { ($0.command, .number($0.count)) })),
            ("patterns", .array(analysis.patterns.map { pattern in
                .object([("pattern", .string(pattern.pattern.rawValue)), ("policies", .number(pattern.policies)), ("tables", .strings(pattern.tables))])
            })),
            ("list", .array(analysis.policies.map { entry in
                .object([
                    ("table", .string(entry.policy.qualifiedTable)), ("name", .string(entry.policy.name)),
                    ("command", .string(entry.policy.command)), ("roles", .strings(entry.policy.roles)),
                    ("pattern", .string(entry.pattern.rawValue)),
                ])
            })),
        ])
    }

    func indexes() -> JSONDocument {
        let analysis = report.indexAnalysis
        return .object([
            ("total", .number(analysis.total)),
            ("categories", .array(analysis.categories.map { category in
                .object([
                    ("category", .string(category.category.rawValue)), ("count", .number(category.count)),
                    ("neverScanned", .number(category.unscanned)), ("indexes", .strings(category.indexes)),
                ])
            })),
            ("vector", .array(analysis.vectorIndexes.map { index in
                .object([
                    ("name", .string(index.name)), ("table", .string(index.table)), ("method", .string(index.method)),
                    ("operatorClass", .string(index.operatorClass)), ("parameters", .string(index.parameters)),
                ])
            })),
        ])
    }

    func migrations() -> JSONDocument {
        let status = report.migrations
        return .object([
            ("recorded", .bool(status.recorded)), ("applied", .number(status.appliedCount)), ("bundled", .number(status.bundledCount)),
            ("latest", status.latest.map { .object([("version", .number($0.version)), ("name", .string($0.name)), ("appliedAt", .string($0.appliedAt))]) } ?? .null),
            ("pending", .array(status.pending.map(JSONDocument.number))),
            ("changed", .array(status.changed.map(JSONDocument.number))),
            ("notBundled", .array(status.unknown.map(JSONDocument.number))),
            ("current", .bool(status.isCurrent)),
        ])
    }

    func actionItem(_ item: DoctorReport.ActionItem) -> JSONDocument {
        .object([
            ("severity", .string(item.severity.rawValue)), ("rule", .string(item.rule.id.rawValue)), ("title", .string(item.rule.title)),
            ("remedy", .string(item.rule.remedy)), ("locations", .strings(item.locations)),
        ])
    }

    func rule(_ rule: Rule) -> JSONDocument {
        .object([
            ("id", .string(rule.id.rawValue)), ("severity", .string(rule.severity.rawValue)), ("title", .string(rule.title)),
            ("statement", .string(rule.statement)), ("rationale", .string(rule.rationale)), ("remedy", .string(rule.remedy)),
        ])
    }
}
