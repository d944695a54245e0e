/// A rule the database is held to, stated once: its identifier, the severity of a finding (the
/// usual one; `statement` says when a finding gets another), what it asks, why, and the fix.
public struct Rule: Sendable, Equatable {
    /// Stable identifiers; the JSON report and CI scripts name rules by them.
    public enum ID: String, Sendable, CaseIterable {
        case rlsDisabled = "rls-disabled"
        case rlsWithoutPolicy = "rls-without-policy"
        case alwaysTrueWritePolicy = "policy-always-true-write"
        case ownerRightsView = "view-owner-rights"
        case plaintextSecret = "secret-plaintext"
        case definerSearchPath = "definer-search-path"
        case publicExecute = "function-public-execute"
        case migrationChanged = "migration-changed"
        case migrationPending = "migration-pending"
        case missingPrimaryKey = "primary-key-missing"
        case unindexedForeignKey = "foreign-key-unindexed"
        case duplicateIndex = "index-duplicate"
        case invalidIndex = "index-invalid"
        case updatedAtWithoutTrigger = "updated-at-without-trigger"
        case vectorWithoutIndex = "vector-unindexed"
        case missingSeed = "seed-missing"
        case perRowAuthCall = "policy-auth-call-per-row"
        case uncheckedStatus = "status-unchecked"
        case missingTimestamps = "timestamps-missing"
        case missingTableComment = "table-comment-missing"
        case missingColumnComments = "column-comments-missing"
        case migrationUnknown = "migration-unknown"
        case grantWithoutPolicy = "grant-without-policy"
        case unusedIndex = "index-unused"

        /// Its position in `Rule.all`.
        var rank: Int { Rule.ranks[self] ?? Rule.all.count }
    }

    public var id: ID

    /// The rules in the order of `all`.
    static let ranks = Dictionary(all.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    public var severity: Severity
    public var title: String
    /// What the rule asks, including when a finding is more or less severe than `severity`.
    public var statement: String
    /// Why it matters, in one line.
    public var rationale: String
    /// What to do about a finding.
    public var remedy: String

    /// The rule behind `id`.
    public static func named(_ id: ID) -> Rule {
        all.first { $0.id == id } ?? Rule(id: id, severity: .info, title: id.rawValue, statement: "", rationale: "", remedy: "")
    }

    /// Every rule, most severe first.
    public static let all: [Rule] = [
        Rule(
            id: .rlsDisabled, severity: .high, title: "Table without row-level security",
            statement: "Every table of an exposed schema has RLS enabled (HIGH). In an owner-only schema a table without RLS "
                + "is a finding only when anon or authenticated holds a privilege on it (MEDIUM).",
            rationale: "Without RLS a client role's privilege applies to every row: one user reads or changes everyone's.",
            remedy: "ALTER TABLE … ENABLE ROW LEVEL SECURITY and add a policy per operation the client roles are granted."),
        Rule(
            id: .rlsWithoutPolicy, severity: .medium, title: "Row-level security without a policy",
            statement: "A table with RLS enabled has at least one policy. MEDIUM when a client role holds privileges on it (they "
                + "are refused every row); INFO when none does (a deny-all table only server code uses).",
            rationale: "With no policy RLS refuses everything: either a policy is missing or the grants are.",
            remedy: "Add the policies the grants call for, or revoke the grants from anon and authenticated."),
        Rule(
            id: .alwaysTrueWritePolicy, severity: .high, title: "Write policy that admits every row",
            statement: "No INSERT, UPDATE, DELETE or ALL policy for a role other than service_role has USING (true) or "
                + "WITH CHECK (true).",
            rationale: "Anyone holding the privilege writes (or deletes) every row, not just their own.",
            remedy: "Restrict the policy to the caller's rows, e.g. USING (user_id = (select auth.uid())), or to service_role."),
        Rule(
            id: .ownerRightsView, severity: .high, title: "View that bypasses row-level security",
            statement: "A view of an exposed schema that a client role may select runs with security_invoker.",
            rationale: "A view runs as its owner by default, so the RLS of the tables behind it does not apply to the caller.",
            remedy: "ALTER VIEW … SET (security_invoker = true), or revoke SELECT from the client roles."),
        Rule(
            id: .plaintextSecret, severity: .high, title: "Secret stored as plaintext",
            statement: "A column named like a secret (a word token, secret, password, passwd, pwd, apikey or credential(s), or "
                + "api/access/private/secret/signing key, client secret) of a text or JSON type is a finding unless its name "
                + "says it holds a hash or ciphertext (hash, hashed, digest, encrypted, ciphertext) or something about the secret "
                + "(version, count, expires, expiry, at, type, hint, id, length). Ciphertext is bytea.",
            rationale: "Anyone who reads the row, a dump or a backup gets the credential itself.",
            remedy: "Store a hash (for values the server only compares) or AES-GCM ciphertext in a bytea column with a key version."),
        Rule(
            id: .definerSearchPath, severity: .high, title: "SECURITY DEFINER function without a fixed search_path",
            statement: "Every SECURITY DEFINER function sets search_path (SET search_path = '' and qualified names).",
            rationale: "It runs with its owner's rights but resolves names through the caller's search_path, which the caller controls.",
            remedy: "ALTER FUNCTION … SET search_path = '' and schema-qualify every name in its body."),
        Rule(
            id: .publicExecute, severity: .medium, title: "Function executable by PUBLIC",
            statement: "No function of the server's schemas is executable by PUBLIC: EXECUTE is revoked and granted to the roles "
                + "that need it. HIGH for a SECURITY DEFINER function, LOW for a trigger function (it cannot be called directly).",
            rationale: "PUBLIC includes anon: every visitor may call it, over RPC when it lives in public.",
            remedy: "REVOKE EXECUTE ON FUNCTION … FROM PUBLIC and GRANT it to the roles that call it."),
        Rule(
            id: .migrationChanged, severity: .high, title: "Migration changed after it was applied",
            statement: "Every applied migration has the checksum of the script the server bundles.",
            rationale: "The server refuses to migrate (and so to start) a database whose history differs from its scripts.",
            remedy: "Restore the original script and put the change in a new migration."),
        Rule(
            id: .migrationPending, severity: .medium, title: "Migrations not applied",
            statement: "Every migration the server bundles is recorded in internal.schema_migrations.",
            rationale: "The schema is older than the code: requests that rely on the newer schema fail.",
            remedy: "Run `visionary migrate` (serve does it at start unless --no-migrate)."),
        Rule(
            id: .missingPrimaryKey, severity: .medium, title: "Table without a primary key",
            statement: "Every table has a primary key.",
            rationale: "Rows cannot be addressed one by one: REST upserts, PUT and replication need one.",
            remedy: "Add a primary key (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), or the natural key)."),
        Rule(
            id: .unindexedForeignKey, severity: .medium, title: "Foreign key without an index",
            statement: "Every foreign key has an index whose leading columns are its columns; a partial index counts only when "
                + "its predicate is just `IS NOT NULL` on those columns.",
            rationale: "Deleting or re-keying a referenced row scans the whole referencing table, once per row.",
            remedy: "CREATE INDEX ON the referencing table (its foreign-key columns)."),
        Rule(
            id: .duplicateIndex, severity: .medium, title: "Duplicate index",
            statement: "No two indexes of a table have the same method, key columns, operator classes and predicate.",
            rationale: "The copy doubles the cost of every write and buys nothing.",
            remedy: "Drop the copy (the one that enforces no constraint)."),
        Rule(
            id: .invalidIndex, severity: .medium, title: "Invalid index",
            statement: "Every index is valid.",
            rationale: "A failed CREATE INDEX CONCURRENTLY leaves an index that is maintained on writes but never used.",
            remedy: "DROP INDEX and create it again."),
        Rule(
            id: .updatedAtWithoutTrigger, severity: .medium, title: "updated_at without its trigger",
            statement: "A table with an updated_at column has a BEFORE UPDATE row trigger whose function sets it.",
            rationale: "Without it updated_at keeps the insert time, and clients that sync by it miss changes.",
            remedy: "CREATE TRIGGER set_updated_at BEFORE UPDATE ON … FOR EACH ROW EXECUTE FUNCTION public.set_updated_at()."),
        Rule(
            id: .vectorWithoutIndex, severity: .medium, title: "Vector column without an ANN index",
            statement: "Every vector column has an HNSW or IVFFlat index.",
            rationale: "Similarity search otherwise computes the distance to every row.",
            remedy: "CREATE INDEX … USING hnsw (column vector_cosine_ops)."),
        Rule(
            id: .missingSeed, severity: .medium, title: "Seeded catalogue is empty",
            statement: "Each catalogue the migrations seed has rows.",
            rationale: "The screens that list them (themes, questions, templates, products, buckets) come up empty.",
            remedy: "Run the migrations again on a fresh database, or re-insert the seed rows."),
        Rule(
            id: .perRowAuthCall, severity: .low, title: "Policy calls an auth helper per row",
            statement: "Policies call auth.uid(), auth.jwt() and auth.role() in sub-select form, (select auth.uid()).",
            rationale: "A bare call is evaluated for every row instead of once per statement.",
            remedy: "Write (select auth.uid()) instead of auth.uid()."),
        Rule(
            id: .uncheckedStatus, severity: .low, title: "Status column without a CHECK",
            statement: "A text column named status or state (or ending in _status or _state) is limited by a CHECK, an enum "
                + "type or a foreign key.",
            rationale: "Any string is accepted, including the typo no state machine or client handles.",
            remedy: "ADD CONSTRAINT … CHECK (status IN ('…', '…'))."),
        Rule(
            id: .missingTimestamps, severity: .low, title: "Table without created_at and updated_at",
            statement: "Every table of an exposed schema that a client role may use has created_at and updated_at (timestamptz).",
            rationale: "Clients sort and sync by them; support needs to know when a row appeared and changed.",
            remedy: "ADD COLUMN created_at / updated_at timestamptz NOT NULL DEFAULT now(), with the updated_at trigger."),
        Rule(
            id: .missingTableComment, severity: .low, title: "Table without a comment",
            statement: "Every table has a COMMENT.",
            rationale: "The OpenAPI document and generated types show comments; a table without one explains nothing.",
            remedy: "COMMENT ON TABLE … IS '…'."),
        Rule(
            id: .missingColumnComments, severity: .low, title: "Columns without a comment",
            statement: "Every column of a table in an exposed schema has a COMMENT.",
            rationale: "Clients see these columns; a comment says what a value means and who writes it.",
            remedy: "COMMENT ON COLUMN … IS '…'."),
        Rule(
            id: .migrationUnknown, severity: .low, title: "Applied migration the server does not bundle",
            statement: "Every applied migration is one the server bundles.",
            rationale: "The database was migrated by a newer server; this one may not understand its schema.",
            remedy: "Run the server version that applied it, or a newer one."),
        Rule(
            id: .grantWithoutPolicy, severity: .info, title: "Privilege no policy admits",
            statement: "A client role's privilege on a table with RLS is admitted by a policy for that role and operation.",
            rationale: "Such requests are always refused by RLS: a deliberate deny (kept for a uniform error) or a missing policy.",
            remedy: "Add the policy, or revoke the privilege if nothing should use it."),
        Rule(
            id: .unusedIndex, severity: .info, title: "Index never scanned",
            statement: "An index that backs no constraint has been scanned since the statistics were reset.",
            rationale: "An unused index costs every write; judge only once the statistics cover real traffic.",
            remedy: "Watch it over a representative period; drop it if it stays unused."),
    ]
}
