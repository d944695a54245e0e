import Doctor
import Testing

/// The rules on hand-built facts, no database: each finds what it states, with its severity and
/// location, and stays silent on a table that follows it.
@Suite("Doctor: the rules")
struct RuleTests {
    typealias Table = DatabaseFacts.Table
    typealias Column = DatabaseFacts.Column

    /// A table that follows every rule: RLS with an ownership policy per granted operation,
    /// timestamps with their trigger, comments everywhere.
    static func goodTable(_ name: String = "notes", schema: String = "public", extra: [Column] = []) -> Table {
        Table(
            schema: schema, name: name, rowEstimate: 3, comment: "Notes.",
            columns: [
                Column(name: "id", type: "uuid", comment: "Primary key."),
                Column(name: "user_id", type: "uuid", comment: "Owner."),
                Column(name: "created_at", type: "timestamp with time zone", baseType: "timestamptz", comment: "Created."),
                Column(name: "updated_at", type: "timestamp with time zone", baseType: "timestamptz", comment: "Changed."),
            ] + extra,
            triggers: [.init(name: "set_updated_at", function: "public.set_updated_at", functionMentionsUpdatedAt: true)],
            clientPrivileges: ["anon": [], "authenticated": ["SELECT", "INSERT", "UPDATE", "DELETE"]])
    }

    static func ownPolicies(_ table: String, schema: String = "public") -> [DatabaseFacts.Policy] {
        ["SELECT", "INSERT", "UPDATE", "DELETE"].map { command in
            DatabaseFacts.Policy(
                schema: schema, table: table, name: "\(table)_\(command.lowercased())_own", command: command, roles: ["authenticated"],
                using: command == "INSERT" ? nil : "(user_id = ( SELECT auth.uid() AS uid))",
                withCheck: ["INSERT", "UPDATE"].contains(command) ? "(user_id = ( SELECT auth.uid() AS uid))" : nil)
        }
    }

    static func userKey(_ table: String, schema: String = "public") -> DatabaseFacts.ForeignKey {
        .init(schema: schema, table: table, name: "\(table)_user_id_fkey", columns: ["user_id"], referencedTable: "auth.users", onDelete: "CASCADE")
    }

    static func indexes(_ table: String, schema: String = "public") -> [DatabaseFacts.Index] {
        [
            .init(schema: schema, table: table, name: "\(table)_pkey", keyColumns: ["id"], isUnique: true, isPrimary: true, backsConstraint: true, scans: 4),
            .init(schema: schema, table: table, name: "\(table)_user_id_idx", keyColumns: ["user_id"], scans: 9),
        ]
    }

    static func facts(tables: [Table], policies: [DatabaseFacts.Policy] = [], keys: [DatabaseFacts.ForeignKey] = [],
                      indexes: [DatabaseFacts.Index] = [], functions: [DatabaseFacts.Function] = [],
                      checks: [DatabaseFacts.CheckConstraint] = [], views: [DatabaseFacts.View] = []) -> DatabaseFacts {
        DatabaseFacts(
            database: "test", serverVersion: "18.0", capturedAt: "2026-01-01T00:00:00Z", tables: tables, views: views, policies: policies,
            foreignKeys: keys, indexes: indexes, functions: functions, checks: checks, appliedMigrations: [])
    }

    static func findings(_ facts: DatabaseFacts, bundled: [BundledMigration] = []) -> [Finding] {
        IssueFinder(facts: facts, bundledMigrations: bundled).findings()
    }

    static let clean = facts(tables: [goodTable()], policies: ownPolicies("notes"), keys: [userKey("notes")], indexes: indexes("notes"))

    @Test("a table that follows every rule yields no finding, and every practice grades A")
    func cleanTable() {
        #expect(Self.findings(Self.clean) == [])
        let card = Scorecard(facts: Self.clean, schemas: ServedSchema.served, findings: [], indexes: IndexAnalysis(indexes: Self.clean.indexes, foreignKeys: Self.clean.foreignKeys))
        #expect(card.practices.filter { $0.percent != nil }.allSatisfy { $0.grade == "A" }, "\(card.practices.map { ($0.name, $0.grade) })")
        #expect(card.overallGrade == "A")
    }

    @Test("row-level security off: HIGH in an exposed schema, MEDIUM owner-only when granted to a client, silent otherwise")
    func rlsDisabled() {
        var open = Self.goodTable("open")
        open.rlsEnabled = false
        var granted = Self.goodTable("granted", schema: "internal")
        granted.rlsEnabled = false
        var ownerOnly = Self.goodTable("queue", schema: "internal")
        ownerOnly.rlsEnabled = false
        ownerOnly.clientPrivileges = ["anon": [], "authenticated": []]
        let found = Self.findings(Self.facts(
            tables: [open, granted, ownerOnly],
            policies: Self.ownPolicies("open") + Self.ownPolicies("granted", schema: "internal"),
            keys: [Self.userKey("open"), Self.userKey("granted", schema: "internal"), Self.userKey("queue", schema: "internal")],
            indexes: Self.indexes("open") + Self.indexes("granted", schema: "internal") + Self.indexes("queue", schema: "internal")))
        #expect(found.map { "\($0.severity) \($0.rule) \($0.location)" } == [
            "HIGH rlsDisabled public.open", "MEDIUM rlsDisabled internal.granted",
        ])
        #expect(found.first?.detail.contains("policies are ignored") == true)
    }

    @Test("RLS without a policy: MEDIUM when clients hold privileges, INFO for a deny-all table")
    func rlsWithoutPolicy() {
        var denyAll = Self.goodTable("deleted_objects", schema: "storage")
        denyAll.clientPrivileges = [:]
        let found = Self.findings(Self.facts(
            tables: [Self.goodTable(), denyAll],
            keys: [Self.userKey("notes"), Self.userKey("deleted_objects", schema: "storage")],
            indexes: Self.indexes("notes") + Self.indexes("deleted_objects", schema: "storage")))
        #expect(found.map { "\($0.severity) \($0.rule) \($0.location)" } == [
            "MEDIUM rlsWithoutPolicy public.notes", "INFO rlsWithoutPolicy storage.deleted_objects",
        ])
    }

    @Test("a privilege no policy admits is INFO, naming the role and the operation, and costs the practice its A")
    func grantWithoutPolicy() {
        var table = Self.goodTable()
        table.clientPrivileges["anon"] = ["INSERT"]
        let facts = Self.facts(tables: [table], policies: Self.ownPolicies("notes"), keys: [Self.userKey("notes")], indexes: Self.indexes("notes"))
        let found = Self.findings(facts)
        #expect(found.map(\.rule) == [.grantWithoutPolicy])
        #expect(found.first?.severity == .info)
        #expect(found.first?.detail == "anon holds INSERT, no INSERT policy admits anon")
        let practice = Scorecard(facts: facts, schemas: ServedSchema.served, findings: found, indexes: IndexAnalysis(indexes: facts.indexes, foreignKeys: facts.foreignKeys)).practices.first { $0.name == "Policies per operation" }
        #expect(practice?.passed == 4 && practice?.applicable == 5 && practice?.grade == "C")
        #expect(practice?.detail == "no policy: public.notes anon INSERT")
    }

    @Test("write policies with USING (true) or WITH CHECK (true) are HIGH unless for service_role alone; reads with true are not")
    func alwaysTrueWrites() {
        let policies = [
            DatabaseFacts.Policy(schema: "public", table: "notes", name: "anyone_updates", command: "UPDATE", roles: ["authenticated"], using: "true", withCheck: "(user_id = ( SELECT auth.uid() AS uid))"),
            DatabaseFacts.Policy(schema: "public", table: "notes", name: "anyone_inserts", command: "INSERT", roles: ["public"], withCheck: "true"),
            DatabaseFacts.Policy(schema: "public", table: "notes", name: "server_writes", command: "ALL", roles: ["service_role"], using: "true", withCheck: "true"),
            DatabaseFacts.Policy(schema: "public", table: "notes", name: "anyone_reads", command: "SELECT", roles: ["anon", "authenticated"], using: "true"),
            DatabaseFacts.Policy(schema: "public", table: "notes", name: "own_deletes", command: "DELETE", roles: ["authenticated"], using: "(user_id = ( SELECT auth.uid() AS uid))"),
        ]
        let found = Self.findings(Self.facts(tables: [Self.goodTable()], policies: policies, keys: [Self.userKey("notes")], indexes: Self.indexes("notes")))
            .filter { $0.rule == .alwaysTrueWritePolicy }
        #expect(found.map(\.location) == ["public.notes (policy anyone_inserts)", "public.notes (policy anyone_updates)"])
        #expect(found.allSatisfy { $0.severity == .high })
        #expect(found.map(\.detail) == ["INSERT for public with WITH CHECK (true)", "UPDATE for authenticated with USING (true)"])
    }

    @Test("a bare auth.uid() in a policy is LOW; the sub-select form is not")
    func perRowAuthCall() {
        let policies = [
            DatabaseFacts.Policy(schema: "public", table: "notes", name: "bare", command: "SELECT", roles: ["authenticated"], using: "(user_id = auth.uid())"),
            DatabaseFacts.Policy(schema: "public", table: "notes", name: "selected", command: "DELETE", roles: ["authenticated"], using: "(user_id = ( SELECT auth.uid() AS uid))"),
        ]
        let found = Self.findings(Self.facts(tables: [Self.goodTable()], policies: policies, keys: [Self.userKey("notes")], indexes: Self.indexes("notes")))
            .filter { $0.rule == .perRowAuthCall }
        #expect(found.map(\.location) == ["public.notes (policy bare)"])
        #expect(found.first?.severity == .low)
    }

    @Test("a view of an exposed schema that clients select and that runs as its owner is HIGH")
    func ownerRightsView() {
        let views = [
            DatabaseFacts.View(schema: "public", name: "all_notes", securityInvoker: false, selectableBy: ["authenticated"]),
            DatabaseFacts.View(schema: "public", name: "my_notes", securityInvoker: true, selectableBy: ["authenticated"]),
            DatabaseFacts.View(schema: "public", name: "report", securityInvoker: false, selectableBy: []),
        ]
        var facts = Self.clean
        facts.views = views
        let found = Self.findings(facts)
        #expect(found.map { "\($0.severity) \($0.location)" } == ["HIGH public.all_notes"])
    }

    @Test("secret-named columns: plaintext text is HIGH; hashes, ciphertext, key versions, counts and path tokens are not")
    func secrets() {
        let columns = [
            Column(name: "api_token", type: "text", comment: "c"),
            Column(name: "stripe_secret_key", type: "character varying(200)", baseType: "varchar", comment: "c"),
            Column(name: "password", type: "text", comment: "c"),
            Column(name: "oauth_credentials", type: "jsonb", comment: "c"),
            Column(name: "encrypted_password", type: "text", comment: "c"),
            Column(name: "recovery_token_hash", type: "text", comment: "c"),
            Column(name: "access_token_encrypted", type: "bytea", comment: "c"),
            Column(name: "token_key_version", type: "integer", comment: "c"),
            Column(name: "token_count", type: "integer", comment: "c"),
            Column(name: "token_expires_at", type: "timestamp with time zone", baseType: "timestamptz", comment: "c"),
            Column(name: "path_tokens", type: "text[]", baseType: "text", isArray: true, comment: "c"),
            Column(name: "refresh_token", type: "bytea", comment: "c"),
        ]
        let found = Self.findings(Self.facts(
            tables: [Self.goodTable(extra: columns)], policies: Self.ownPolicies("notes"), keys: [Self.userKey("notes")], indexes: Self.indexes("notes")))
        #expect(found.filter { $0.rule == .plaintextSecret }.map(\.location) == [
            "public.notes.api_token", "public.notes.oauth_credentials", "public.notes.password", "public.notes.stripe_secret_key",
        ])
        #expect(found.allSatisfy { $0.rule == .plaintextSecret && $0.severity == .high })
        #expect(SecretColumnName.namesSecret("access_token_encrypted"))
        #expect(!SecretColumnName.namesSecret("path_tokens"))
    }

    @Test("functions: a definer without search_path is HIGH; PUBLIC execute is HIGH for definers, MEDIUM else, LOW for triggers")
    func functions() {
        let functions = [
            DatabaseFacts.Function(schema: "public", name: "leaky", signature: "public.leaky(uuid)", isSecurityDefiner: true),
            DatabaseFacts.Function(schema: "public", name: "pinned", signature: "public.pinned()", isSecurityDefiner: true, settings: [#"search_path="""#]),
            DatabaseFacts.Function(schema: "public", name: "open_definer", signature: "public.open_definer()", isSecurityDefiner: true, settings: ["search_path=\"\""], publicExecute: true),
            DatabaseFacts.Function(schema: "public", name: "open", signature: "public.open(text)", publicExecute: true),
            DatabaseFacts.Function(schema: "internal", name: "touch", signature: "internal.touch()", publicExecute: true, returnsTrigger: true),
            DatabaseFacts.Function(schema: "public", name: "fine", signature: "public.fine()", executableBy: ["authenticated"]),
        ]
        var facts = Self.clean
        facts.functions = functions
        let found = Self.findings(facts)
        #expect(found.map { "\($0.severity) \($0.rule) \($0.location)" } == [
            "HIGH definerSearchPath public.leaky(uuid)", "HIGH publicExecute public.open_definer()",
            "MEDIUM publicExecute public.open(text)", "LOW publicExecute internal.touch()",
        ])
        #expect(found.first { $0.location == "public.open(text)" }?.detail == "function executable by PUBLIC, callable over RPC")
    }

    @Test("foreign keys: an index leading with the key's columns covers it; a partial one only when it just says IS NOT NULL")
    func foreignKeyCoverage() {
        let key = Self.userKey("notes")
        let partialLive = DatabaseFacts.Index(schema: "public", table: "notes", name: "live", keyColumns: ["user_id"], predicate: "(deleted_at IS NULL)")
        let partialSet = DatabaseFacts.Index(schema: "public", table: "notes", name: "set", keyColumns: ["user_id", "created_at"], predicate: "(user_id IS NOT NULL)")
        let trailing = DatabaseFacts.Index(schema: "public", table: "notes", name: "trailing", keyColumns: ["created_at", "user_id"])
        let invalid = DatabaseFacts.Index(schema: "public", table: "notes", name: "broken", keyColumns: ["user_id"], isValid: false)
        #expect(ForeignKeyCoverage.coveringIndex(of: key, among: [partialLive, trailing, invalid]) == nil)
        #expect(ForeignKeyCoverage.coveringIndex(of: key, among: [partialLive, partialSet])?.name == "set")

        let found = Self.findings(Self.facts(
            tables: [Self.goodTable()], policies: Self.ownPolicies("notes"), keys: [key],
            indexes: [Self.indexes("notes")[0], partialLive]))
        let unindexed = found.filter { $0.rule == .unindexedForeignKey }
        #expect(unindexed.map { "\($0.severity) \($0.location)" } == ["MEDIUM public.notes(user_id)"])
        #expect(unindexed.first?.detail == "notes_user_id_fkey → auth.users, ON DELETE CASCADE")
    }

    @Test("duplicate indexes: the copy is reported, the constraint's index kept; another operator class is no copy")
    func duplicates() {
        let unique = DatabaseFacts.Index(schema: "public", table: "notes", name: "notes_user_id_key", keyColumns: ["user_id"],
                                         definition: "CREATE UNIQUE INDEX notes_user_id_key ON public.notes USING btree (user_id)",
                                         isUnique: true, backsConstraint: true)
        let copy = DatabaseFacts.Index(schema: "public", table: "notes", name: "a_copy", keyColumns: ["user_id"],
                                       definition: "CREATE INDEX a_copy ON public.notes USING btree (user_id)", scans: 3)
        let patterns = DatabaseFacts.Index(schema: "public", table: "notes", name: "patterns", keyColumns: ["user_id"],
                                           definition: "CREATE INDEX patterns ON public.notes USING btree (user_id text_pattern_ops)", scans: 3)
        let found = Self.findings(Self.facts(
            tables: [Self.goodTable()], policies: Self.ownPolicies("notes"), keys: [Self.userKey("notes")],
            indexes: [Self.indexes("notes")[0], unique, copy, patterns]))
        #expect(found.map { "\($0.severity) \($0.rule) \($0.location)" } == ["MEDIUM duplicateIndex public.a_copy"])
        #expect(found.first?.detail == "same as public.notes_user_id_key: btree (user_id)")
    }

    @Test("an index never scanned is INFO, unless it enforces uniqueness")
    func unusedIndexes() {
        var indexes = Self.indexes("notes")
        indexes[0].scans = 0
        indexes[1].scans = 0
        var facts = Self.facts(tables: [Self.goodTable()], policies: Self.ownPolicies("notes"), keys: [Self.userKey("notes")], indexes: indexes)
        facts.statsResetAt = "2026-01-01T00:00:00Z"
        let found = Self.findings(facts)
        #expect(found.map { "\($0.severity) \($0.rule) \($0.location)" } == ["INFO unusedIndex public.notes_user_id_idx"])
        #expect(found.first?.detail == "0 scans since 2026-01-01T00:00:00Z")
    }

    @Test("table conventions: primary key, updated_at trigger, timestamps, comments, status CHECKs, vector index")
    func conventions() {
        var table = Self.goodTable(extra: [
            Column(name: "status", type: "text", comment: "c"),
            Column(name: "order_status", type: "text", comment: "c"),
            Column(name: "job_state", type: "order_state", baseType: "order_state", isEnum: true, comment: "c"),
            Column(name: "embedding", type: "extensions.vector(3)", baseType: "vector"),
        ])
        table.primaryKey = []
        table.triggers = [.init(name: "audit", function: "public.audit", timing: "AFTER", events: ["UPDATE"])]
        table.comment = " "
        var bare = Self.goodTable("bare", schema: "storage")
        bare.columns = [Column(name: "id", type: "uuid", comment: "c")]
        bare.triggers = []
        let found = Self.findings(Self.facts(
            tables: [table, bare], policies: Self.ownPolicies("notes") + Self.ownPolicies("bare", schema: "storage"),
            keys: [Self.userKey("notes")], indexes: Self.indexes("notes") + Self.indexes("bare", schema: "storage"),
            checks: [.init(schema: "public", table: "notes", name: "notes_order_status_check", columns: ["order_status"])]))
        #expect(found.map { "\($0.severity) \($0.rule) \($0.location)" } == [
            "MEDIUM missingPrimaryKey public.notes", "MEDIUM updatedAtWithoutTrigger public.notes",
            "MEDIUM vectorWithoutIndex public.notes.embedding", "LOW uncheckedStatus public.notes.status",
            "LOW missingTimestamps storage.bare", "LOW missingTableComment public.notes",
            "LOW missingColumnComments public.notes",
        ])
        #expect(found.first { $0.rule == .missingColumnComments }?.detail == "embedding")
        #expect(found.first { $0.rule == .missingTimestamps }?.detail == "no created_at or updated_at")
    }

    @Test("a table no client role may use owes no timestamps: a server-only queue is neither sorted nor synced by clients")
    func serverOnlyTimestamps() {
        var queue = Self.goodTable("queue", schema: "storage")
        queue.columns = [Column(name: "id", type: "uuid", comment: "c"), Column(name: "deleted_at", type: "timestamptz", comment: "c")]
        queue.triggers = []
        var granted = queue
        granted.name = "granted"
        queue.clientPrivileges = ["anon": [], "authenticated": []]
        let facts = Self.facts(
            tables: [queue, granted], policies: Self.ownPolicies("queue", schema: "storage") + Self.ownPolicies("granted", schema: "storage"),
            indexes: Self.indexes("queue", schema: "storage") + Self.indexes("granted", schema: "storage"))
        #expect(Self.findings(facts).filter { $0.rule == .missingTimestamps }.map(\.location) == ["storage.granted"])
    }

    @Test("a seeded catalogue with no rows is MEDIUM; rows, or a catalogue absent from the database, are fine")
    func seeds() {
        var themes = Self.goodTable("motivational_themes")
        themes.exactRows = 0
        var products = Self.goodTable("print_products")
        products.exactRows = 10
        let found = Self.findings(Self.facts(
            tables: [themes, products], policies: Self.ownPolicies("motivational_themes") + Self.ownPolicies("print_products"),
            keys: [Self.userKey("motivational_themes"), Self.userKey("print_products")],
            indexes: Self.indexes("motivational_themes") + Self.indexes("print_products")))
        #expect(found.map { "\($0.severity) \($0.rule) \($0.location)" } == ["MEDIUM missingSeed public.motivational_themes"])
    }

    @Test("migrations: changed is HIGH, pending MEDIUM, unknown LOW; none recorded means all pending")
    func migrations() {
        let bundled = [
            BundledMigration(version: 1, name: "platform", checksum: "a"), BundledMigration(version: 2, name: "core", checksum: "b"),
            BundledMigration(version: 3, name: "more", checksum: "c"),
        ]
        var facts = Self.clean
        facts.appliedMigrations = [
            .init(version: 1, name: "platform", checksum: "a"), .init(version: 2, name: "core", checksum: "edited"),
            .init(version: 9, name: "future", checksum: "z"),
        ]
        #expect(Self.findings(facts, bundled: bundled).map { "\($0.severity) \($0.rule) \($0.location)" } == [
            "HIGH migrationChanged migration 0002", "MEDIUM migrationPending migrations 0003", "LOW migrationUnknown migration 0009",
        ])
        facts.appliedMigrations = nil
        let never = MigrationStatus(applied: nil, bundled: bundled)
        #expect(!never.recorded && never.pending == [1, 2, 3] && !never.isCurrent)
        #expect(Self.findings(facts, bundled: bundled).map(\.detail) == ["internal.schema_migrations does not exist"])
        facts.appliedMigrations = bundled.map { .init(version: $0.version, name: $0.name, checksum: $0.checksum) }
        #expect(MigrationStatus(applied: facts.appliedMigrations, bundled: bundled).isCurrent)
        #expect(Self.findings(facts, bundled: bundled) == [])
    }

    @Test("policy patterns: ownership, public read, service role, multi-party, role-based, other")
    func policyPatterns() {
        func pattern(_ command: String, _ roles: [String], using: String? = nil, check: String? = nil) -> PolicyPattern {
            PolicyPattern.of(.init(schema: "public", table: "t", name: "p", command: command, roles: roles, using: using, withCheck: check))
        }
        #expect(pattern("SELECT", ["authenticated"], using: "(user_id = ( SELECT auth.uid() AS uid))") == .ownership)
        #expect(pattern("UPDATE", ["authenticated"], check: "((id = ( SELECT auth.uid() AS uid)) AND ((primary_vision_id IS NULL) OR (EXISTS ( SELECT 1 FROM vision_boards vb WHERE ((vb.id = profiles.primary_vision_id) AND (vb.user_id = ( SELECT auth.uid() AS uid)))))))") == .ownership)
        #expect(pattern("INSERT", ["authenticated"], check: "((user_id = ( SELECT auth.uid() AS uid)) AND (EXISTS ( SELECT 1 FROM action_tasks t WHERE ((t.id = habits.task_id) AND (t.user_id = ( SELECT auth.uid() AS uid))))))") == .ownership)
        #expect(pattern("SELECT", ["anon", "authenticated"], using: "true") == .publicRead)
        #expect(pattern("SELECT", ["anon", "authenticated"], using: "is_active") == .publicRead)
        #expect(pattern("ALL", ["service_role"], using: "true") == .serviceRole)
        #expect(pattern("UPDATE", ["authenticated"], using: "((auth.jwt() ->> 'role'::text) = 'service_role'::text)") == .serviceRole)
        #expect(pattern("SELECT", ["authenticated"], using: "((user_id = ( SELECT auth.uid() AS uid)) OR (partner_id = ( SELECT auth.uid() AS uid)))") == .multiParty)
        #expect(pattern("SELECT", ["authenticated"], using: "((inviter_id = ( SELECT auth.uid() AS uid)) OR (invitee_email = ( SELECT internal.caller_confirmed_email() AS caller_confirmed_email)))") == .multiParty)
        #expect(pattern("SELECT", ["authenticated"], using: "(EXISTS ( SELECT 1 FROM partner_connections c WHERE ((c.id = shared_goals.connection_id) AND ((( SELECT auth.uid() AS uid) = c.user_id) OR (( SELECT auth.uid() AS uid) = c.partner_id)))))") == .multiParty)
        #expect(pattern("UPDATE", ["authenticated"], using: "(team_role(team_id) = ANY (ARRAY['owner'::text, 'admin'::text]))") == .roleBased)
        #expect(pattern("SELECT", ["authenticated"], using: "((user_id = ( SELECT auth.uid() AS uid)) OR is_team_member(team_id))") == .roleBased)
        #expect(pattern("DELETE", ["authenticated"], using: "(created_at < now())") == .other)
    }

    @Test("feature areas: known tables by name, others by prefix or schema, unknown ones in Other")
    func featureAreas() {
        #expect(FeatureArea.of(schema: "public", table: "vision_boards") == .visionBoards)
        #expect(FeatureArea.of(schema: "public", table: "teams_installations") == .communications)
        #expect(FeatureArea.of(schema: "public", table: "team_budgets") == .teams)
        #expect(FeatureArea.of(schema: "auth", table: "users") == .auth)
        #expect(FeatureArea.of(schema: "internal", table: "jobs") == .internal)
        #expect(FeatureArea.of(schema: "public", table: "zebra") == .other)
        #expect(FeatureArea.of(schema: "scratch", table: "") == .other)
    }

    @Test("the scorecard grades by the share that follows each practice")
    func grades() {
        var open = Self.goodTable("open")
        open.rlsEnabled = false
        let facts = Self.facts(
            tables: [Self.goodTable(), open], policies: Self.ownPolicies("notes") + Self.ownPolicies("open"),
            keys: [Self.userKey("notes"), Self.userKey("open")], indexes: Self.indexes("notes") + Self.indexes("open"))
        let card = Scorecard(facts: facts, schemas: ServedSchema.served, findings: Self.findings(facts), indexes: IndexAnalysis(indexes: facts.indexes, foreignKeys: facts.foreignKeys))
        let rls = card.practices.first { $0.name == "Row-level security" }
        #expect(rls?.passed == 1 && rls?.applicable == 2 && rls?.grade == "D")
        #expect(rls?.detail == "failing: public.open")
        #expect(card.practices.first { $0.name == "Policies per operation" }?.detail == "")
        #expect(card.practices.first { $0.name == "Vector indexes" }?.grade == "n/a")
        #expect(card.overallPercent.map { $0 < 100 } == true)
    }

    @Test("the report: inventory by area, patterns counted, action items by severity, exit-worthy when HIGH")
    func report() {
        var open = Self.goodTable("open")
        open.rlsEnabled = false
        var scratch = Self.goodTable("widgets")
        scratch.rowEstimate = nil
        let facts = Self.facts(
            tables: [Self.goodTable("vision_boards"), open, scratch],
            policies: Self.ownPolicies("vision_boards") + Self.ownPolicies("open") + Self.ownPolicies("widgets"),
            keys: [Self.userKey("vision_boards"), Self.userKey("open"), Self.userKey("widgets")],
            indexes: Self.indexes("vision_boards") + Self.indexes("open") + Self.indexes("widgets"))
        let report = DoctorReport(facts: facts, bundledMigrations: [])
        #expect(report.hasHighFindings)
        #expect(report.inventory.map(\.area) == [.visionBoards, .other])
        #expect(report.inventory.last?.tables.map(\.name) == ["open", "widgets"])
        #expect(report.policyAnalysis.patterns.first { $0.pattern == .ownership }?.policies == 12)
        #expect(report.policyAnalysis.byCommand.map(\.count) == [3, 3, 3, 3, 0])
        #expect(report.actionItems.map { "\($0.severity) \($0.rule.id)" } == ["HIGH rlsDisabled"])
        #expect(report.schemas.first { $0.name == "public" }?.tablesWithRLS == 2)

        let markdown = MarkdownReport(report).render()
        for heading in ["# Database report: test", "## 1. Executive summary", "## 2. Schema inventory", "## 3. Best-practices scorecard",
                        "## 4. Issues by severity", "## 5. RLS policy analysis", "## 6. Index analysis", "## 7. Migration status",
                        "## 8. Action items", "### Vision boards — 1 table", "### Other — 2 tables"] {
            #expect(markdown.contains(heading), "\(heading)")
        }
        #expect(markdown.contains("**1 HIGH finding**"))
        #expect(markdown.contains("| `rls-disabled` | `public.open` | exposed schema; its 4 policies are ignored |"))
        #expect(markdown.contains("| `public.widgets` | ? | on | 4 | Notes. |"))
    }
}
