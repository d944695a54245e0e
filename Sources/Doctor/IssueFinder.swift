/// Applies every rule of `Rule.all` to the facts of a database and returns what breaks them.
/// The rules are grouped by what they look at: row-level security and views, functions,
/// columns, indexes and keys, and migrations (`IssueFinder+…`).
public struct IssueFinder: Sendable {
    public let facts: DatabaseFacts
    public let schemas: [ServedSchema]
    /// The bundled migrations against those the database recorded, compared once.
    public let migrations: MigrationStatus

    public init(facts: DatabaseFacts, schemas: [ServedSchema] = ServedSchema.served, bundledMigrations: [BundledMigration]) {
        self.facts = facts
        self.schemas = schemas
        migrations = MigrationStatus(applied: facts.appliedMigrations, bundled: bundledMigrations)
    }

    /// Every finding, most severe first.
    public func findings() -> [Finding] {
        (rowLevelSecurityFindings() + functionFindings() + columnFindings() + tableFindings() + indexFindings()
            + migrationFindings()).ordered()
    }

    /// The policies of `table`.
    func policies(of table: DatabaseFacts.Table) -> [DatabaseFacts.Policy] {
        facts.policies.filter { $0.schema == table.schema && $0.table == table.name }
    }
}
