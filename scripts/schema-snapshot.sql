-- The schema snapshot: one row per table or view of the application's schemas (every schema
-- but PostgreSQL's own catalogs; objects of extensions left out), as (file, text). The text
-- holds everything that rules the table, in a fixed order: its columns, comments, constraints,
-- indexes, row-level security, policies, triggers, grants, and the functions that touch it
-- (its trigger functions, those of triggers whose arguments name it, and every function whose
-- body names it) with their full definitions.
--
-- Settings, then one query: run by scripts/schema-snapshot.sh (`make schema`, which writes
-- schema/) and by Tests/DatabaseTests/SchemaSnapshotTests.swift (which compares schema/ with a
-- freshly migrated database). Everything is sorted (names in the "C" collation, columns by
-- position) and no OID or moment is printed, so the same migrations always give the same bytes.
-- The settings fix whatever changes how PostgreSQL prints a definition, whoever runs it; with an
-- empty search_path every name outside pg_catalog is printed with its schema.
SET search_path = '';
SET quote_all_identifiers = off;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET TimeZone = 'UTC';
SET extra_float_digits = 1;
SET bytea_output = 'hex';

WITH relations AS (
  SELECT c.oid, n.nspname AS schema_name, c.relname AS relation_name, c.relkind, c.relowner,
         c.relacl, c.relrowsecurity, c.relforcerowsecurity,
         format('%I.%I', n.nspname, c.relname) AS qualified,
         CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                        ELSE 'TABLE' END AS kind,
         -- the name as a regular expression
         regexp_replace(c.relname, '([^[:alnum:]_])', '\\\1', 'g') AS name_pattern,
         regexp_replace(n.nspname, '([^[:alnum:]_])', '\\\1', 'g') AS schema_pattern
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
),
functions AS (
  SELECT p.oid, n.nspname AS schema_name, p.proname, p.proowner, p.proacl,
         format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS signature,
         pg_get_functiondef(p.oid) AS definition,
         -- the schemas an unqualified name in the body resolves to
         string_to_array(replace(replace(coalesce(
           (SELECT substr(setting, length('search_path=') + 1) FROM unnest(p.proconfig) AS setting
            WHERE setting LIKE 'search\_path=%'),
           '"$user", public'), '"', ''), ' ', ''), ',') AS search_path
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE p.prokind IN ('f', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
),
-- Privileges as GRANT statements: one per grantee (and grant option), privileges sorted, in the
-- order of the grantees' names.
table_grants AS (
  SELECT r.oid, string_agg(g.statement, E'\n' ORDER BY g.grantee COLLATE "C", g.statement COLLATE "C") AS text
  FROM relations r
  CROSS JOIN LATERAL (
    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
           format('GRANT %s ON %s TO %s%s;',
                  string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type COLLATE "C"), r.qualified,
                  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS statement
    FROM aclexplode(coalesce(r.relacl, acldefault('r', r.relowner))) AS a
    GROUP BY a.grantee, a.is_grantable
  ) AS g
  GROUP BY r.oid
),
column_grants AS (
  SELECT r.oid, string_agg(g.statement, E'\n' ORDER BY g.grantee COLLATE "C", g.statement COLLATE "C") AS text
  FROM relations r
  CROSS JOIN LATERAL (
    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
           format('GRANT %s (%s) ON %s TO %s%s;', a.privilege_type,
                  string_agg(quote_ident(att.attname), ', ' ORDER BY att.attnum), r.qualified,
                  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS statement
    FROM pg_attribute att
    CROSS JOIN LATERAL aclexplode(att.attacl) AS a
    WHERE att.attrelid = r.oid AND att.attnum > 0 AND NOT att.attisdropped AND att.attacl IS NOT NULL
    GROUP BY a.grantee, a.privilege_type, a.is_grantable
  ) AS g
  GROUP BY r.oid
),
function_grants AS (
  SELECT f.oid, string_agg(g.statement, E'\n' ORDER BY g.grantee COLLATE "C", g.statement COLLATE "C") AS text
  FROM functions f
  CROSS JOIN LATERAL (
    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
           format('GRANT %s ON FUNCTION %s TO %s%s;',
                  string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type COLLATE "C"), f.signature,
                  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS statement
    FROM aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) AS a
    GROUP BY a.grantee, a.is_grantable
  ) AS g
  GROUP BY f.oid
),
-- The functions that touch each relation, each with why (the first that applies): the functions
-- of its triggers; those of other tables' triggers whose arguments name it (a generic trigger
-- told which parent to read); and those whose definition names it, schema-qualified or (when
-- the function's search_path holds its schema) bare.
trigger_arguments AS (
  SELECT t.tgrelid, t.tgname, t.tgfoid,
         string_to_array(rtrim(encode(t.tgargs, 'escape'), '\000'), '\000') AS arguments
  FROM pg_trigger t
  WHERE NOT t.tgisinternal
),
touching AS (
  SELECT DISTINCT ON (relation, function) relation, function, reason
  FROM (
    SELECT t.tgrelid AS relation, t.tgfoid AS function, 1 AS priority, 'trigger function' AS reason
    FROM pg_trigger t
    WHERE NOT t.tgisinternal
    UNION ALL
    SELECT r.oid, a.tgfoid, 2,
           'trigger function of ' || string_agg(format('%s on %s', quote_ident(a.tgname), a.tgrelid::regclass),
                                                ', ' ORDER BY a.tgrelid::regclass::text COLLATE "C", a.tgname COLLATE "C")
             || ', whose arguments name the table'
    FROM relations r
    JOIN trigger_arguments a ON r.qualified = ANY (a.arguments) AND a.tgrelid <> r.oid
    GROUP BY r.oid, a.tgfoid
    UNION ALL
    SELECT r.oid, f.oid, 3, 'names the table'
    FROM relations r
    JOIN functions f ON
         f.definition ~* ('\m' || r.schema_pattern || '\.' || r.name_pattern || '\M')
      OR (r.schema_name = ANY (f.search_path)
          AND f.definition ~* ('(^|[^[:alnum:]_."])' || r.name_pattern || '\M'))
  ) AS candidates
  ORDER BY relation, function, priority
),
sections AS (
  SELECT r.schema_name, r.relation_name,
    -- Header
    format('-- %s %s: generated by `make schema` from the migrations; do not edit by hand.',
           lower(r.kind), r.qualified)
    -- Columns (in their order), or the view's query
    || E'\n\n' || CASE WHEN r.relkind IN ('v', 'm') THEN
         format(E'CREATE %s %s AS\n%s', r.kind, r.qualified, rtrim(pg_get_viewdef(r.oid, true), E'\n'))
       ELSE
         format(E'CREATE %s %s (\n%s\n)%s;', r.kind, r.qualified,
           (SELECT coalesce(string_agg(
                     format('  %I %s', a.attname, format_type(a.atttypid, a.atttypmod))
                     || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                             THEN ' COLLATE ' || (SELECT format('%I.%I', cn.nspname, co.collname)
                                                  FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                                  WHERE co.oid = a.attcollation)
                             ELSE '' END
                     || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                                           WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END
                     || CASE a.attgenerated
                          WHEN 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                          WHEN 'v' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') VIRTUAL'
                          ELSE coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') END
                     || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                     E',\n' ORDER BY a.attnum), '')
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
           CASE WHEN r.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(r.oid) ELSE '' END)
       END
    -- Comments on the relation and its columns
    || coalesce(E'\n' || format('COMMENT ON %s %s IS %L;', r.kind, r.qualified, obj_description(r.oid, 'pg_class')), '')
    || coalesce(E'\n' || (
         SELECT string_agg(format('COMMENT ON COLUMN %s.%I IS %L;', r.qualified, a.attname, col_description(r.oid, a.attnum)),
                           E'\n' ORDER BY a.attnum)
         FROM pg_attribute a
         WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped AND col_description(r.oid, a.attnum) IS NOT NULL), '')
    -- Constraints (NOT NULL is on the columns above)
    || E'\n\n-- Constraints\n' || coalesce((
         SELECT string_agg(format('ALTER TABLE %s ADD CONSTRAINT %I %s;', r.qualified, c.conname, pg_get_constraintdef(c.oid, true)),
                           E'\n' ORDER BY c.conname COLLATE "C")
         FROM pg_constraint c WHERE c.conrelid = r.oid AND c.contype <> 'n'), '-- none')
    -- Indexes
    || E'\n\n-- Indexes\n' || coalesce((
         SELECT string_agg(pg_get_indexdef(i.indexrelid) || ';', E'\n' ORDER BY ic.relname COLLATE "C")
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = r.oid), '-- none')
    -- Row-level security
    || E'\n\n-- Row-level security\n'
    || format(E'ALTER TABLE %s %s ROW LEVEL SECURITY;\nALTER TABLE %s %s ROW LEVEL SECURITY;',
              r.qualified, CASE WHEN r.relrowsecurity THEN 'ENABLE' ELSE 'DISABLE' END,
              r.qualified, CASE WHEN r.relforcerowsecurity THEN 'FORCE' ELSE 'NO FORCE' END)
    -- Policies
    || E'\n\n-- Policies\n' || coalesce((
         SELECT string_agg(
                  format('CREATE POLICY %I ON %s AS %s FOR %s TO %s', p.polname, r.qualified,
                         CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                         CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                       WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                         (SELECT string_agg(CASE WHEN role = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(role)) END,
                                            ', ' ORDER BY CASE WHEN role = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(role)::text END COLLATE "C")
                          FROM unnest(p.polroles) AS role))
                  || coalesce(E'\n  USING (' || pg_get_expr(p.polqual, p.polrelid, true) || ')', '')
                  || coalesce(E'\n  WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid, true) || ')', '')
                  || ';',
                  E'\n' ORDER BY p.polname COLLATE "C")
         FROM pg_policy p WHERE p.polrelid = r.oid), '-- none')
    -- Triggers
    || E'\n\n-- Triggers\n' || coalesce((
         SELECT string_agg(
                  pg_get_triggerdef(t.oid, true) || ';'
                  || CASE t.tgenabled
                       WHEN 'D' THEN format(E'\nALTER TABLE %s DISABLE TRIGGER %I;', r.qualified, t.tgname)
                       WHEN 'R' THEN format(E'\nALTER TABLE %s ENABLE REPLICA TRIGGER %I;', r.qualified, t.tgname)
                       WHEN 'A' THEN format(E'\nALTER TABLE %s ENABLE ALWAYS TRIGGER %I;', r.qualified, t.tgname)
                       ELSE '' END,
                  E'\n' ORDER BY t.tgname COLLATE "C")
         FROM pg_trigger t WHERE t.tgrelid = r.oid AND NOT t.tgisinternal), '-- none')
    -- Grants, on the table and on single columns
    || E'\n\n-- Grants\n'
    || format('ALTER %s %s OWNER TO %I;', r.kind, r.qualified, pg_get_userbyid(r.relowner))
    || coalesce(E'\n' || (SELECT g.text FROM table_grants g WHERE g.oid = r.oid), '')
    || coalesce(E'\n' || (SELECT g.text FROM column_grants g WHERE g.oid = r.oid), '')
    -- Functions that touch the table
    || E'\n\n-- Functions that touch the table: its trigger functions, those of triggers whose arguments name it, and those whose body names it\n'
    || coalesce((
         SELECT string_agg(
                  format(E'\n-- %s: %s\n', f.signature, t.reason)
                  || rtrim(f.definition, E'\n') || ';'
                  || coalesce(E'\n' || format('COMMENT ON FUNCTION %s IS %L;', f.signature, obj_description(f.oid, 'pg_proc')), '')
                  || coalesce(E'\n' || (SELECT g.text FROM function_grants g WHERE g.oid = f.oid), ''),
                  E'\n' ORDER BY f.schema_name COLLATE "C", f.proname COLLATE "C", f.signature COLLATE "C")
         FROM touching t JOIN functions f ON f.oid = t.function
         WHERE t.relation = r.oid), E'\n-- none')
    || E'\n' AS text
  FROM relations r
)
SELECT schema_name || '.' || relation_name || '.sql' AS file, text
FROM sections
ORDER BY schema_name COLLATE "C", relation_name COLLATE "C";
