import Core
import Database
import Foundation

/// The secrets at rest, as the server's own login sees them: which key versions they use, the
/// check that the key ring can open them all, and their re-encryption under the newest key.
public struct SecretStore: Sendable {
    let database: SQLRunner
    let ring: KeyRing
    let tables: [SecretTable]

    public init(database: SQLRunner, ring: KeyRing, tables: [SecretTable] = SecretTable.all) {
        self.database = database
        self.ring = ring
        self.tables = tables
    }

    /// How many rows of each table each key version sealed.
    public struct TableStatus: Sendable, Equatable {
        public let table: String
        /// Rows by key version, in version order.
        public let rowsByVersion: [(version: Int, rows: Int)]

        public static func == (lhs: TableStatus, rhs: TableStatus) -> Bool {
            lhs.table == rhs.table && lhs.rowsByVersion.map(\.version) == rhs.rowsByVersion.map(\.version)
                && lhs.rowsByVersion.map(\.rows) == rhs.rowsByVersion.map(\.rows)
        }

        /// Rows sealed under a version other than `newest`.
        public func outdated(newest: Int) -> Int { rowsByVersion.filter { $0.version != newest }.map(\.rows).reduce(0, +) }
    }

    public func status() async throws -> [TableStatus] {
        var result: [TableStatus] = []
        for table in tables {
            let text = try await database.text(SQLStatement("""
                SELECT coalesce(jsonb_object_agg(v, n), '{}')::text
                FROM (SELECT \(table.versionColumn) AS v, count(*) AS n FROM \(table.name)
                      WHERE \(table.versionColumn) IS NOT NULL GROUP BY 1) counts
                """)) ?? "{}"
            let counts = try JSONDecoder().decode([String: Int].self, from: Data(text.utf8))
            let rows = counts.compactMap { key, value in Int(key).map { (version: $0, rows: value) } }.sorted { $0.version < $1.version }
            result.append(TableStatus(table: table.name, rowsByVersion: rows))
        }
        return result
    }

    /// Throws `KeyRingError.missingVersions` when a stored secret was sealed under a version the
    /// ring does not hold (the server refuses to start rather than fail on first use).
    public func checkKeysCoverStoredSecrets() async throws {
        let missing = try await status().flatMap { table in
            table.rowsByVersion.filter { !ring.holds($0.version) }.map { "\(table.table): version \($0.version)" }
        }
        if !missing.isEmpty { throw KeyRingError.missingVersions(missing) }
    }

    /// Progress of a rotation: rows re-encrypted so far of those outdated when it began.
    public struct RotationProgress: Sendable, Equatable {
        public let table: String
        public let done: Int
        public let total: Int
    }

    /// Re-encrypts every secret sealed under an older version with the newest key, `batchSize`
    /// rows per transaction, reporting after each batch. Each batch locks its rows, so a server
    /// writing the same row waits (or is waited for), and a rotation that stops halfway loses
    /// nothing: rows done are at the newest version and are skipped when it runs again.
    @discardableResult
    public func rotate(batchSize: Int = 100, progress: @Sendable (RotationProgress) -> Void = { _ in }) async throws -> Int {
        var rotated = 0
        for (table, status) in zip(tables, try await status()) {
            let total = status.outdated(newest: ring.newest)
            guard total > 0 else { continue }
            var done = 0
            progress(RotationProgress(table: table.name, done: 0, total: total))
            while true {
                let count = try await rotateBatch(table, limit: batchSize)
                if count == 0 { break }
                done += count
                progress(RotationProgress(table: table.name, done: min(done, total), total: total))
            }
            rotated += done
        }
        return rotated
    }

    struct StoredRow: Decodable {
        let id: UUID
        let version: Int
        let ciphertexts: [String: String?]
    }

    /// One batch in one transaction: the oldest-keyed rows locked, opened, sealed anew, written.
    func rotateBatch(_ table: SecretTable, limit: Int) async throws -> Int {
        try await database.transaction { tx in
            let members = table.columns.map { "'\($0)', encode(\($0), 'hex')" }.joined(separator: ", ")
            let text = try await tx.text(SQLStatement("""
                SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'version', \(table.versionColumn),
                                                             'ciphertexts', jsonb_build_object(\(members)))), '[]')::text
                FROM (SELECT * FROM \(table.name) WHERE \(table.versionColumn) <> $1 ORDER BY id LIMIT $2 FOR UPDATE) batch
                """, [.int(ring.newest), .int(limit)])) ?? "[]"
            let rows = try JSONDecoder().decode([StoredRow].self, from: Data(text.utf8))
            for row in rows {
                var binds: [SQLValue] = [.text(row.id.uuidString), .int(ring.newest)]
                var assignments: [String] = []
                for column in table.columns {
                    let location = SecretLocation(table: table.name, column: column, row: row.id)
                    guard let stored = row.ciphertexts[column] ?? nil else {
                        assignments.append("\(column) = NULL")
                        continue
                    }
                    guard let sealed = SealedSecret(hex: stored, version: row.version) else { throw SecretError.cannotOpen(location) }
                    let fresh = try ring.seal(try ring.open(sealed, at: location), at: location)
                    binds.append(.text(fresh.hex))
                    assignments.append("\(column) = decode($\(binds.count), 'hex')")
                }
                try await tx.execute(SQLStatement(
                    "UPDATE \(table.name) SET \(assignments.joined(separator: ", ")), \(table.versionColumn) = $2 WHERE id = $1::uuid",
                    binds))
            }
            return rows.count
        }
    }
}
