/// Rules on tables and their columns: secrets, status values, timestamps, keys, comments, seeds
/// and vectors.
extension IssueFinder {
    /// The column names that hold a row's status.
    static func isStatusName(_ name: String) -> Bool {
        name == "status" || name == "state" || name.hasSuffix("_status") || name.hasSuffix("_state")
    }

    static let textTypes: Set<String> = ["text", "varchar", "bpchar", "char", "citext"]

    func columnFindings() -> [Finding] {
        var findings: [Finding] = []
        for table in facts.tables {
            for column in table.columns {
                let location = "\(table.qualifiedName).\(column.name)"
                if SecretColumnName.isPlaintextSecret(column) {
                    findings.append(Finding(
                        rule: .plaintextSecret, schema: table.schema, location: location, detail: "\(column.type), not ciphertext"))
                }
                if Self.isStatusName(column.name), Self.textTypes.contains(column.baseType), !column.isEnum,
                    !facts.constrains(column.name, of: table)
                {
                    findings.append(Finding(
                        rule: .uncheckedStatus, schema: table.schema, location: location, detail: "\(column.type) without a CHECK"))
                }
                if column.baseType == "vector" || column.baseType == "halfvec",
                    !facts.indexes.contains(where: { $0.schema == table.schema && $0.table == table.name
                        && ["hnsw", "ivfflat"].contains($0.method) && $0.keyColumns.contains(column.name) })
                {
                    findings.append(Finding(
                        rule: .vectorWithoutIndex, schema: table.schema, location: location, detail: "\(column.type) without hnsw or ivfflat"))
                }
            }
        }
        return findings
    }

    func tableFindings() -> [Finding] {
        var findings: [Finding] = []
        for table in facts.tables {
            let exposed = schemas.isExposed(table.schema)
            if table.primaryKey.isEmpty {
                findings.append(Finding(rule: .missingPrimaryKey, schema: table.schema, location: table.qualifiedName, detail: "no primary key"))
            }
            if table.column("updated_at") != nil && !table.hasUpdatedAtTrigger {
                findings.append(Finding(
                    rule: .updatedAtWithoutTrigger, schema: table.schema, location: table.qualifiedName,
                    detail: "updated_at, but no BEFORE UPDATE row trigger sets it"))
            }
            if Self.owesTimestamps(table, schemas) {
                let missing = ["created_at", "updated_at"].filter { table.column($0) == nil }
                if !missing.isEmpty {
                    findings.append(Finding(
                        rule: .missingTimestamps, schema: table.schema, location: table.qualifiedName,
                        detail: "no " + missing.joined(separator: " or ")))
                }
            }
            if exposed {
                let uncommented = table.columns.filter { ($0.comment ?? "").isBlank }.map(\.name)
                if !uncommented.isEmpty {
                    findings.append(Finding(
                        rule: .missingColumnComments, schema: table.schema, location: table.qualifiedName,
                        detail: uncommented.joined(separator: ", ")))
                }
            }
            if (table.comment ?? "").isBlank {
                findings.append(Finding(rule: .missingTableComment, schema: table.schema, location: table.qualifiedName, detail: "no COMMENT ON TABLE"))
            }
            if SeededCatalogues.tables.contains(table.qualifiedName), let rows = table.exactRows ?? table.rowEstimate, rows == 0 {
                findings.append(Finding(rule: .missingSeed, schema: table.schema, location: table.qualifiedName, detail: "no rows"))
            }
        }
        return findings
    }
}

extension IssueFinder {
    /// Whether the timestamps rule asks `table` for created_at and updated_at: a table of an
    /// exposed schema that a client role may use (a server-only queue is not sorted or synced).
    static func owesTimestamps(_ table: DatabaseFacts.Table, _ schemas: [ServedSchema]) -> Bool {
        schemas.isExposed(table.schema) && table.isGrantedToClients
    }
}

extension DatabaseFacts {
    /// Whether a CHECK or foreign key of the table reads the column.
    public func constrains(_ column: String, of table: Table) -> Bool {
        checks.contains { $0.schema == table.schema && $0.table == table.name && $0.columns.contains(column) }
            || foreignKeys.contains { $0.schema == table.schema && $0.table == table.name && $0.columns.contains(column) }
    }
}

extension DatabaseFacts.Table {
    /// Whether a BEFORE UPDATE row trigger calls a function that sets `updated_at`.
    public var hasUpdatedAtTrigger: Bool {
        triggers.contains { $0.timing == "BEFORE" && $0.events.contains("UPDATE") && $0.forEachRow && $0.functionMentionsUpdatedAt }
    }
}

extension String {
    /// Empty or only whitespace.
    var isBlank: Bool { allSatisfy(\.isWhitespace) }
}
