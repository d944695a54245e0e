/// The migrations the database recorded compared with those the server bundles.
public struct MigrationStatus: Sendable, Equatable {
    /// Whether `internal.schema_migrations` exists at all.
    public var recorded: Bool
    public var appliedCount: Int
    public var bundledCount: Int
    /// Bundled, not applied.
    public var pending: [Int]
    /// Applied with another checksum than the bundled script's.
    public var changed: [Int]
    /// Applied, not bundled (a newer server migrated the database).
    public var unknown: [Int]
    /// The newest applied migration.
    public var latest: DatabaseFacts.AppliedMigration?

    public init(applied: [DatabaseFacts.AppliedMigration]?, bundled: [BundledMigration]) {
        let recordedMigrations = applied ?? []
        let byVersion = Dictionary(recordedMigrations.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        let bundledVersions = Set(bundled.map(\.version))
        recorded = applied != nil
        appliedCount = recordedMigrations.count
        bundledCount = bundled.count
        pending = bundled.filter { byVersion[$0.version] == nil }.map(\.version).sorted()
        changed = bundled.filter { migration in byVersion[migration.version].map { $0.checksum != migration.checksum } ?? false }
            .map(\.version).sorted()
        unknown = recordedMigrations.map(\.version).filter { !bundledVersions.contains($0) }.sorted()
        latest = recordedMigrations.max { $0.version < $1.version }
    }

    /// Whether the database has exactly the bundled migrations.
    public var isCurrent: Bool { recorded && pending.isEmpty && changed.isEmpty && unknown.isEmpty }

    /// `0042`.
    public static func label(_ version: Int) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
