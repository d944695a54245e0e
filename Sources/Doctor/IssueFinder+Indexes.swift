/// Rules on indexes and foreign keys.
extension IssueFinder {
    func indexFindings() -> [Finding] {
        var findings: [Finding] = []
        for key in facts.foreignKeys where ForeignKeyCoverage.coveringIndex(of: key, among: facts.indexes) == nil {
            findings.append(Finding(
                rule: .unindexedForeignKey, schema: key.schema, location: "\(key.qualifiedTable)(\(key.columns.joined(separator: ", ")))",
                detail: "\(key.name) → \(key.referencedTable), ON DELETE \(key.onDelete)"))
        }
        for redundant in duplicateIndexes() {
            findings.append(Finding(
                rule: .duplicateIndex, schema: redundant.index.schema, location: redundant.index.qualifiedName,
                detail: "same as \(redundant.original.qualifiedName): \(redundant.index.signature)"))
        }
        for index in facts.indexes {
            if !index.isValid {
                findings.append(Finding(rule: .invalidIndex, schema: index.schema, location: index.qualifiedName, detail: "indisvalid = false"))
            }
            if index.scans == 0 && !index.backsConstraint && !index.isUnique && !index.isPrimary {
                findings.append(Finding(
                    rule: .unusedIndex, schema: index.schema, location: index.qualifiedName,
                    detail: "0 scans since \(facts.statsResetAt ?? "the statistics began")"))
            }
        }
        return findings
    }

    /// Each index that repeats another of its table (same signature), with the one it repeats.
    /// The index kept is the one that enforces the most (primary key, then a constraint, then
    /// unique), then the first by name.
    func duplicateIndexes() -> [(index: DatabaseFacts.Index, original: DatabaseFacts.Index)] {
        let groups = Dictionary(grouping: facts.indexes) { "\($0.qualifiedTable) \($0.signature)" }
        return groups.keys.sorted().flatMap { key -> [(index: DatabaseFacts.Index, original: DatabaseFacts.Index)] in
            let group = (groups[key] ?? []).sorted { lhs, rhs in
                (lhs.isPrimary ? 0 : 1, lhs.backsConstraint ? 0 : 1, lhs.isUnique ? 0 : 1, lhs.name)
                    < (rhs.isPrimary ? 0 : 1, rhs.backsConstraint ? 0 : 1, rhs.isUnique ? 0 : 1, rhs.name)
            }
            guard let kept = group.first else { return [] }
            return group.dropFirst().map { ($0, kept) }
        }
    }
}
