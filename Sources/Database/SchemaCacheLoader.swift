import Core
import Foundation
import SchemaCache

/// Reads the schema cache from the catalog in one statement that builds the whole description
/// as JSON inside PostgreSQL. Only the exposed schemas are read; functions are those the API
/// roles may execute (never extension or trigger functions).
public struct SchemaCacheLoader: Sendable {
    let database: SQLRunner
    let schemas: [String]

    public init(database: SQLRunner, schemas: [String] = ["public"]) {
        self.database = database
        self.schemas = schemas
    }

    public func load() async throws -> SchemaCache {
        let schemaList = "{" + schemas.map { "\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ",") + "}"
        guard let text = try await database.text(SQLStatement(Self.query, [.text(schemaList)])) else {
            return SchemaCache(relations: [], routines: [])
        }
        return try JSONDecoder().decode(SchemaCache.self, from: Data(text.utf8))
    }

    static let query = """
        WITH exposed AS (
          SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname = ANY ($1::text[])
        ),
        rels AS (
          SELECT c.oid, e.nspname AS schema, c.relname AS name,
                 CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view'
                                WHEN 'f' THEN 'foreign_table' ELSE 'partitioned_table' END AS kind,
                 obj_description(c.oid, 'pg_class') AS comment
          FROM pg_class c JOIN exposed e ON e.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
        )
        SELECT jsonb_build_object(
          'relations', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', r.schema, 'name', r.name, 'kind', r.kind, 'comment', r.comment,
              'columns', coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                  'name', a.attname,
                  'type', format_type(a.atttypid, a.atttypmod),
                  'nullable', NOT a.attnotnull,
                  'hasDefault', a.atthasdef OR a.attidentity <> '',
                  'defaultExpression', (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                                        WHERE d.adrelid = r.oid AND d.adnum = a.attnum AND a.attgenerated = ''),
                  'generated', a.attgenerated <> '' OR a.attidentity = 'a',
                  'readableBy', (SELECT coalesce(jsonb_agg(role), '[]') FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS role
                                 WHERE has_column_privilege(role, r.oid, a.attnum, 'SELECT')),
                  'comment', col_description(r.oid, a.attnum)) ORDER BY a.attnum)
                FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'),
              'primaryKey', coalesce((
                SELECT jsonb_agg(a.attname ORDER BY k.ordinality)
                FROM pg_constraint pk CROSS JOIN unnest(pk.conkey) WITH ORDINALITY AS k (attnum, ordinality)
                JOIN pg_attribute a ON a.attrelid = pk.conrelid AND a.attnum = k.attnum
                WHERE pk.conrelid = r.oid AND pk.contype = 'p'), '[]'),
              'uniqueKeys', coalesce((
                SELECT jsonb_agg(cols) FROM (
                  SELECT (SELECT jsonb_agg(a.attname ORDER BY k.ordinality)
                          FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, ordinality)
                          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS cols
                  FROM pg_index i WHERE i.indrelid = r.oid AND i.indisunique AND i.indpred IS NULL
                    AND NOT (0 = ANY (i.indkey::int2[]))) AS u), '[]'),
              'foreignKeys', coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                  'constraintName', fk.conname, 'schema', r.schema, 'table', r.name,
                  'columns', (SELECT jsonb_agg(a.attname ORDER BY k.ordinality)
                              FROM unnest(fk.conkey) WITH ORDINALITY AS k (attnum, ordinality)
                              JOIN pg_attribute a ON a.attrelid = fk.conrelid AND a.attnum = k.attnum),
                  'referencedSchema', fn.nspname, 'referencedTable', fc.relname,
                  'referencedColumns', (SELECT jsonb_agg(a.attname ORDER BY k.ordinality)
                                        FROM unnest(fk.confkey) WITH ORDINALITY AS k (attnum, ordinality)
                                        JOIN pg_attribute a ON a.attrelid = fk.confrelid AND a.attnum = k.attnum))
                  ORDER BY fk.conname)
                FROM pg_constraint fk
                JOIN pg_class fc ON fc.oid = fk.confrelid
                JOIN pg_namespace fn ON fn.oid = fc.relnamespace
                WHERE fk.conrelid = r.oid AND fk.contype = 'f'), '[]')
            ) ORDER BY r.schema, r.name) FROM rels r), '[]'),
          'routines', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
              'schema', e.nspname, 'name', p.proname, 'comment', obj_description(p.oid, 'pg_proc'),
              'parameters', coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                  'name', coalesce(p.proargnames[i], ''), 'type', format_type(t, NULL),
                  'hasDefault', i > p.pronargs - p.pronargdefaults) ORDER BY i)
                FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS args (t, i)), '[]'),
              'returnType', format_type(p.prorettype, NULL),
              'returnsSet', p.proretset,
              'returnsComposite', rt.typtype = 'c' OR p.prorettype = 'record'::regtype,
              'volatility', CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
              'resultColumns', CASE WHEN rt.typtype = 'c' THEN (
                  SELECT jsonb_agg(jsonb_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                  FROM pg_attribute a WHERE a.attrelid = rt.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
                WHEN p.prorettype = 'record'::regtype THEN (
                  SELECT jsonb_agg(jsonb_build_object('name', o.name, 'type', format_type(o.type, NULL)) ORDER BY o.position)
                  FROM unnest(p.proallargtypes, p.proargmodes::text[], p.proargnames) WITH ORDINALITY AS o (type, mode, name, position)
                  WHERE o.mode IN ('o', 't', 'b')) END,
              'executableBy', (SELECT coalesce(jsonb_agg(role), '[]') FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS role
                               WHERE has_function_privilege(role, p.oid, 'EXECUTE')),
              'resultRelation', (
                SELECT jsonb_build_object('schema', rn.nspname, 'name', rc.relname)
                FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                WHERE rc.oid = rt.typrelid AND rc.relkind IN ('r', 'v', 'm', 'f', 'p'))
            ) ORDER BY e.nspname, p.proname, p.oid)
            FROM pg_proc p
            JOIN exposed e ON e.oid = p.pronamespace
            JOIN pg_type rt ON rt.oid = p.prorettype
            LEFT JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
            WHERE d.objid IS NULL AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype
              AND (has_function_privilege('anon', p.oid, 'EXECUTE') OR has_function_privilege('authenticated', p.oid, 'EXECUTE')
                   OR has_function_privilege('service_role', p.oid, 'EXECUTE'))), '[]')
        )::text
        """
}
