/// Rules on the migration history: what the server bundles against what the database recorded.
extension IssueFinder {
    func migrationFindings() -> [Finding] {
        let status = migrations
        var findings: [Finding] = []
        for version in status.changed {
            findings.append(Finding(
                rule: .migrationChanged, schema: "internal", location: "migration \(MigrationStatus.label(version))",
                detail: "checksum differs from the bundled script"))
        }
        if !status.pending.isEmpty {
            findings.append(Finding(
                rule: .migrationPending, schema: "internal", location: "migrations " + status.pending.map(MigrationStatus.label).joined(separator: ", "),
                detail: status.recorded ? "\(status.pending.count) not applied" : "internal.schema_migrations does not exist"))
        }
        for version in status.unknown {
            findings.append(Finding(
                rule: .migrationUnknown, schema: "internal", location: "migration \(MigrationStatus.label(version))",
                detail: "applied, not bundled with this server"))
        }
        return findings
    }
}
