import Core
import Doctor
import Foundation

/// Reads what `visionary doctor` grades from the catalog and the statistics views, in one
/// statement that builds the whole `DatabaseFacts` document as JSON: tables with columns,
/// triggers, client privileges and row estimates (and apart, exact counts of the seeded catalogues),
/// views, policies, foreign keys, indexes with scan counts, functions and CHECK constraints — of
/// the given schemas only, extension members left out — and, apart, the applied migrations.
public struct DoctorFactsLoader: Sendable {
    let database: SQLRunner
    let schemas: [String]

    public init(database: SQLRunner, schemas: [String] = ServedSchema.served.map(\.name)) {
        self.database = database
        self.schemas = schemas
    }

    public func load() async throws -> DatabaseFacts {
        let statement = SQLStatement(
            Self.query, [.textArray(schemas), .textArray(ServedSchema.clientRoles)])
        guard let text = try await database.text(statement) else { throw DoctorFactsError.noAnswer }
        var facts = try JSONDecoder().decode(DatabaseFacts.self, from: Data(text.utf8))
        let counts = try await exactRows(of: facts.tables.filter { SeededCatalogues.tables.contains($0.qualifiedName) })
        for index in facts.tables.indices {
            facts.tables[index].exactRows = counts[facts.tables[index].qualifiedName]
        }
        facts.appliedMigrations = try await appliedMigrations()
        return facts
    }

    /// `count(*)` of each table, by schema-qualified name, in one statement.
    func exactRows(of tables: [DatabaseFacts.Table]) async throws -> [String: Int] {
        guard !tables.isEmpty else { return [:] }
        let counts = tables.enumerated().map { number, table in
            "$\(number + 1)::text, (SELECT count(*) FROM \(table.schema.enclosed(in: "\"")).\(table.name.enclosed(in: "\"")))"
        }
        let text = try await database.text(SQLStatement(
            "SELECT jsonb_build_object(\(counts.joined(separator: ", ")))::text", tables.map { .text($0.qualifiedName) }))
        return try JSONDecoder().decode([String: Int].self, from: Data((text ?? "{}").utf8))
    }

    /// The rows of `internal.schema_migrations`, or nil when the database was never migrated
    /// (asked apart: a statement naming a missing table fails as a whole).
    func appliedMigrations() async throws -> [DatabaseFacts.AppliedMigration]? {
        let exists = try await database.text(SQLStatement("SELECT (to_regclass('internal.schema_migrations') IS NOT NULL)::text"))
        guard exists == "true" else { return nil }
        let text = try await database.text(SQLStatement("""
            SELECT coalesce(jsonb_agg(jsonb_build_object(
              'version', version, 'name', name, 'checksum', checksum,
              'appliedAt', to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) ORDER BY version), '[]')::text
            FROM internal.schema_migrations
            """))
        return try JSONDecoder().decode([DatabaseFacts.AppliedMigration].self, from: Data((text ?? "[]").utf8))
    }

    /// $1: the schemas; $2: the client roles.
    static let query = """
        WITH rel AS (
          SELECT c.oid, n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.reltuples, c.reloptions
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm')
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ),
        client AS (SELECT r.rolname FROM pg_roles r WHERE r.rolname = ANY ($2::text[]))
        SELECT jsonb_build_object(
          'database', current_database(),
          'serverVersion', current_setting('server_version'),
          'capturedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
          'statsResetAt', (SELECT to_char(d.stats_reset AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                           FROM pg_stat_database d WHERE d.datname = current_database()),
          'tables', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', t.nspname, 'name', t.relname,
              'rowEstimate', CASE WHEN t.reltuples >= 0 THEN t.reltuples::bigint
                                  ELSE (SELECT s.n_live_tup FROM pg_stat_all_tables s WHERE s.relid = t.oid) END,
              'rlsEnabled', t.relrowsecurity, 'rlsForced', t.relforcerowsecurity,
              'comment', obj_description(t.oid, 'pg_class'),
              'primaryKey', coalesce((
                SELECT jsonb_agg(a.attname ORDER BY k.ord)
                FROM pg_constraint pk
                CROSS JOIN LATERAL unnest(pk.conkey) WITH ORDINALITY AS k (attnum, ord)
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                WHERE pk.conrelid = t.oid AND pk.contype = 'p'), '[]'::jsonb),
              'columns', coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                  'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                  'baseType', coalesce(base.typname, ty.typname), 'isArray', ty.typcategory = 'A',
                  'isEnum', coalesce(base.typtype, ty.typtype) = 'e', 'comment', col_description(t.oid, a.attnum))
                  ORDER BY a.attnum)
                FROM pg_attribute a
                JOIN pg_type ty ON ty.oid = a.atttypid
                LEFT JOIN pg_type base ON base.oid = CASE WHEN ty.typcategory = 'A' THEN ty.typelem
                                                          WHEN ty.typtype = 'd' THEN ty.typbasetype END
                WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::jsonb),
              'triggers', coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                  'name', g.tgname, 'function', p.pronamespace::regnamespace::text || '.' || p.proname,
                  'timing', CASE WHEN g.tgtype & 2 = 2 THEN 'BEFORE' WHEN g.tgtype & 64 = 64 THEN 'INSTEAD OF' ELSE 'AFTER' END,
                  'events', to_jsonb(array_remove(ARRAY[
                    CASE WHEN g.tgtype & 4 = 4 THEN 'INSERT' END, CASE WHEN g.tgtype & 16 = 16 THEN 'UPDATE' END,
                    CASE WHEN g.tgtype & 8 = 8 THEN 'DELETE' END, CASE WHEN g.tgtype & 32 = 32 THEN 'TRUNCATE' END], NULL)),
                  'forEachRow', g.tgtype & 1 = 1,
                  'functionMentionsUpdatedAt', coalesce(p.prosrc ~* 'updated_at', false))
                  ORDER BY g.tgname)
                FROM pg_trigger g
                JOIN pg_proc p ON p.oid = g.tgfoid
                WHERE g.tgrelid = t.oid AND NOT g.tgisinternal), '[]'::jsonb),
              'clientPrivileges', coalesce((
                SELECT jsonb_object_agg(client.rolname, to_jsonb(array_remove(ARRAY[
                  CASE WHEN has_any_column_privilege(client.rolname, t.oid, 'SELECT') THEN 'SELECT' END,
                  CASE WHEN has_any_column_privilege(client.rolname, t.oid, 'INSERT') THEN 'INSERT' END,
                  CASE WHEN has_any_column_privilege(client.rolname, t.oid, 'UPDATE') THEN 'UPDATE' END,
                  CASE WHEN has_table_privilege(client.rolname, t.oid, 'DELETE') THEN 'DELETE' END], NULL)))
                FROM client), '{}'::jsonb))
              ORDER BY t.nspname, t.relname)
            FROM rel t WHERE t.relkind IN ('r', 'p')), '[]'::jsonb),
          'views', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', v.nspname, 'name', v.relname,
              'securityInvoker', coalesce(v.reloptions @> ARRAY['security_invoker=true']
                                          OR v.reloptions @> ARRAY['security_invoker=on'], false),
              'selectableBy', coalesce((SELECT jsonb_agg(client.rolname ORDER BY client.rolname) FROM client
                                        WHERE has_table_privilege(client.rolname, v.oid, 'SELECT')), '[]'::jsonb))
              ORDER BY v.nspname, v.relname)
            FROM rel v WHERE v.relkind IN ('v', 'm')), '[]'::jsonb),
          'policies', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', p.schemaname, 'table', p.tablename, 'name', p.policyname, 'command', p.cmd,
              'permissive', p.permissive = 'PERMISSIVE', 'roles', to_jsonb(p.roles),
              'using', p.qual, 'withCheck', p.with_check)
              ORDER BY p.schemaname, p.tablename, p.policyname)
            FROM pg_policies p WHERE p.schemaname = ANY ($1::text[])), '[]'::jsonb),
          'foreignKeys', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', t.nspname, 'table', t.relname, 'name', k.conname,
              'columns', (SELECT jsonb_agg(a.attname ORDER BY c.ord) FROM unnest(k.conkey) WITH ORDINALITY AS c (attnum, ord)
                          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.attnum),
              'referencedTable', (SELECT r.relnamespace::regnamespace::text || '.' || r.relname FROM pg_class r WHERE r.oid = k.confrelid),
              'referencedColumns', (SELECT jsonb_agg(a.attname ORDER BY c.ord) FROM unnest(k.confkey) WITH ORDINALITY AS c (attnum, ord)
                                    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c.attnum),
              'onDelete', CASE k.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
                                             WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END)
              ORDER BY t.nspname, t.relname, k.conname)
            FROM pg_constraint k JOIN rel t ON t.oid = k.conrelid WHERE k.contype = 'f'), '[]'::jsonb),
          'indexes', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', t.nspname, 'table', t.relname, 'name', ic.relname, 'method', am.amname,
              'keyColumns', (SELECT jsonb_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM generate_series(1, i.indnkeyatts) AS k),
              'operatorClasses', (SELECT jsonb_agg(o.opcname ORDER BY c.ord) FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS c (opclass, ord)
                                  JOIN pg_opclass o ON o.oid = c.opclass),
              'definition', pg_get_indexdef(i.indexrelid),
              'predicate', pg_get_expr(i.indpred, i.indrelid),
              'options', coalesce(to_jsonb(ic.reloptions), '[]'::jsonb),
              'isUnique', i.indisunique, 'isPrimary', i.indisprimary, 'isValid', i.indisvalid,
              'backsConstraint', EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')),
              'scans', (SELECT s.idx_scan FROM pg_stat_all_indexes s WHERE s.indexrelid = i.indexrelid))
              ORDER BY t.nspname, t.relname, ic.relname)
            FROM pg_index i
            JOIN rel t ON t.oid = i.indrelid
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_am am ON am.oid = ic.relam), '[]'::jsonb),
          'functions', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', n.nspname, 'name', p.proname, 'signature', format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)),
              'isSecurityDefiner', p.prosecdef, 'settings', coalesce(to_jsonb(p.proconfig), '[]'::jsonb),
              'publicExecute', EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                                       WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'),
              'returnsTrigger', p.prorettype = 'trigger'::regtype,
              'executableBy', coalesce((SELECT jsonb_agg(client.rolname ORDER BY client.rolname) FROM client
                                        WHERE has_function_privilege(client.rolname, p.oid, 'EXECUTE')), '[]'::jsonb))
              ORDER BY n.nspname, p.proname, p.oid::regprocedure::text)
            FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = ANY ($1::text[]) AND p.prokind IN ('f', 'p')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')),
            '[]'::jsonb),
          'checks', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', t.nspname, 'table', t.relname, 'name', k.conname,
              'columns', coalesce((SELECT jsonb_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a
                                   WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)), '[]'::jsonb),
              'definition', pg_get_constraintdef(k.oid))
              ORDER BY t.nspname, t.relname, k.conname)
            FROM pg_constraint k JOIN rel t ON t.oid = k.conrelid WHERE k.contype = 'c'), '[]'::jsonb)
        )::text
        """
}

/// The catalog query answered nothing (it always answers one row on PostgreSQL).
public enum DoctorFactsError: Error, CustomStringConvertible {
    case noAnswer

    public var description: String { "the database answered the catalog query with no row" }
}
