import Core
import RESTEngine
import RESTErrors
import RESTQuery
import SchemaCache
import Testing

/// Embedding resolution and rendering alone, over a hand-made schema with the cases the real
/// schema lacks: two foreign keys between the same tables, a junction table, a one-to-one key
/// and a self-reference.
@Suite("REST planner: embeddings")
struct EmbeddingPlannerTests {
    static func column(_ name: String, _ type: String = "uuid", readableBy: [String] = ["anon", "authenticated", "service_role"]) -> Column {
        Column(name: name, type: type, nullable: true, hasDefault: false, generated: false, readableBy: readableBy, comment: nil)
    }

    static func key(_ table: String, _ column: String, _ referenced: String, _ referencedColumn: String = "id") -> ForeignKey {
        ForeignKey(constraintName: "\(table)_\(column)_fkey", schema: "public", table: table, columns: [column],
                   referencedSchema: "public", referencedTable: referenced, referencedColumns: [referencedColumn])
    }

    static func table(_ name: String, _ columns: [Column], primaryKey: [String] = ["id"], unique: [[String]] = [], keys: [ForeignKey] = []) -> Relation {
        Relation(schema: "public", name: name, kind: .table, columns: columns, primaryKey: primaryKey,
                 uniqueKeys: unique.isEmpty ? [primaryKey] : unique, foreignKeys: keys, comment: nil)
    }

    static let cache = SchemaCache(
        relations: [
            table("users", [column("id"), column("name", "text"), column("secret", "text", readableBy: ["service_role"])]),
            table("posts", [column("id"), column("title", "text"), column("author_id"), column("editor_id")],
                  keys: [key("posts", "author_id", "users"), key("posts", "editor_id", "users")]),
            table("comments", [column("id"), column("post_id"), column("body", "text")], keys: [key("comments", "post_id", "posts")]),
            table("tags", [column("id"), column("label", "text")]),
            table("post_tags", [column("post_id"), column("tag_id")], primaryKey: ["post_id", "tag_id"],
                  keys: [key("post_tags", "post_id", "posts"), key("post_tags", "tag_id", "tags")]),
            table("profiles", [column("user_id"), column("bio", "text")], primaryKey: ["user_id"],
                  keys: [key("profiles", "user_id", "users")]),
            table("employees", [column("id"), column("name", "text"), column("manager_id")],
                  keys: [key("employees", "manager_id", "employees")]),
        ],
        routines: [])

    static func plan(
        _ path: String, _ query: String, method: String = "GET", body: String? = nil, headers: [(String, String)] = [],
        role: String = "anon"
    ) -> Result<Plan, RESTError> {
        let parsed = ApiRequestParser.parse(
            method: method, path: path, query: query, headers: headers.map { (name: $0.0, value: $0.1) },
            body: body.map { Array($0.utf8) })
        switch parsed {
        case .failure(let error): return .failure(RESTError(status: 400, code: error.kind.rawValue, message: error.message))
        case .success(let request):
            do throws(RESTError) { return .success(try Planner(cache: cache).plan(request, role: role)) } catch { return .failure(error) }
        }
    }

    static func read(_ path: String, _ query: String, role: String = "anon") throws -> ReadPlan {
        guard case .read(let read) = try plan(path, query, role: role).get() else { throw PlanMismatch() }
        return read
    }

    static func error(_ path: String, _ query: String, method: String = "GET", body: String? = nil) -> RESTError? {
        if case .failure(let error) = plan(path, query, method: method, body: body) { return error }
        return nil
    }

    struct PlanMismatch: Error {}

    @Test("two foreign keys to the same table: 300 PGRST201 listing both, until a hint picks one")
    func ambiguity() throws {
        let error = try #require(Self.error("/posts", "select=*,users(*)"))
        #expect(error.status == 300)
        #expect(error.code == "PGRST201")
        #expect(error.details?.contains("posts_author_id_fkey using posts(author_id) and users(id)") == true)
        #expect(error.details?.contains("posts_editor_id_fkey") == true)
        #expect(error.details?.contains("many-to-one") == true)
        #expect(error.hint?.contains("'users!posts_author_id_fkey'") == true)
        #expect(error.body.contains(#""details":[{"#))

        for select in ["users!posts_author_id_fkey(*)", "users!author_id(*)", "author_id(*)", "posts_author_id_fkey(*)"] {
            let read = try Self.read("/posts", "select=title,\(select)")
            let embedding = try #require(read.root.embeddings.first)
            #expect(!embedding.toMany, "\(select)")
            #expect(embedding.join.parentColumns == ["author_id"], "\(select)")
            #expect(embedding.join.childColumns == ["id"], "\(select)")
            #expect(read.columns.map(\.key) == ["title", select.split(separator: "(")[0].split(separator: "!")[0].description])
        }
        // The other way: two one-to-many relationships; the referencing column disambiguates.
        #expect(Self.error("/users", "select=posts(*)")?.code == "PGRST201")
        let edited = try Self.read("/users", "select=edited:posts!editor_id(title)")
        #expect(edited.root.embeddings.first?.toMany == true)
        #expect(edited.root.embeddings.first?.join.childColumns == ["editor_id"])
        #expect(edited.columns.map(\.key) == ["edited"])
    }

    @Test("many-to-many through a junction; one-to-one; self-references; none → PGRST200")
    func cardinalities() throws {
        let tags = try Self.read("/posts", "select=title,tags(label)")
        let embedding = try #require(tags.root.embeddings.first)
        #expect(embedding.toMany)
        #expect(embedding.join.junction?.relation.name == "post_tags")
        #expect(embedding.join.parentColumns == ["id"])
        #expect(embedding.join.childColumns == ["post_id"])
        let sql = StatementRenderer.render(.read(tags)).sql
        #expect(sql.contains(#"INNER JOIN "public"."post_tags" AS "j_"#))
        #expect(sql.contains(#"."tag_id" = "t_"#))
        #expect(try Self.read("/tags", "select=posts!post_tags(title)").root.embeddings.first?.toMany == true)

        #expect(try Self.read("/users", "select=profiles(bio)").root.embeddings.first?.toMany == false)
        #expect(try Self.read("/profiles", "select=users(name)").root.embeddings.first?.toMany == false)

        let staff = try Self.read("/employees", "select=name,manager:manager_id(name),reports:employees!manager_id(name)")
        #expect(staff.root.embeddings.map(\.toMany) == [false, true])
        #expect(staff.root.embeddings.map(\.join.parentColumns) == [["manager_id"], ["id"]])

        let none = try #require(Self.error("/comments", "select=tags(*)"))
        #expect(none.code == "PGRST200")
        #expect(none.status == 400)
        #expect(none.message == "Could not find a relationship between 'comments' and 'tags' in the schema cache")
        #expect(Self.error("/posts", "select=users!nope(*)")?.code == "PGRST200")
    }

    @Test("embedded filters, order and limit go inside the lateral; values stay bound")
    func embeddedFilters() throws {
        let read = try Self.read(
            "/posts", "select=title,comments(body)&comments.body=eq.x'); DROP TABLE posts; --&comments.order=body.desc&comments.limit=2&title=like.a*")
        let statement = StatementRenderer.render(.read(read))
        #expect(read.root.embeddings.first?.node.conditions.count == 1)
        #expect(read.root.conditions.count == 1)
        #expect(!statement.sql.contains("DROP TABLE"))
        #expect(statement.sql.contains("LEFT JOIN LATERAL (SELECT coalesce(json_agg(s), '[]') AS \"body\""))
        #expect(statement.sql.contains(#""t_2"."post_id" = "t"."id""#))
        #expect(statement.sql.contains(#"ORDER BY "t_2"."body" DESC"#))
        #expect(statement.binds == [.text("x'); DROP TABLE posts; --"), .int(2), .text("a%")])
    }

    @Test("!inner and null tests filter parents, also when counting; other operators are PGRST120")
    func innerAndPresence() throws {
        let read = try Self.read("/posts", "select=title,comments!inner(body)&comments.body=eq.x")
        #expect(read.root.embeddings.first?.inner == true)
        var counted = read
        counted.count = true
        let sql = StatementRenderer.render(.read(counted)).sql
        #expect(sql.contains(#""pgrst_exists" IS TRUE"#))
        #expect(sql.contains("(SELECT count(*) FROM \"public\".\"posts\" AS \"t\" LEFT JOIN LATERAL (SELECT count(*) > 0"))

        let absent = try Self.read("/posts", "select=title,comments()&comments=is.null")
        #expect(absent.root.conditions == [.embedding(0, present: false)])
        #expect(absent.columns.map(\.key) == ["title"])
        let present = try Self.read("/posts", "select=title,comments(id)&or=(comments.not.is.null,title.eq.x)")
        #expect(present.root.conditions.first?.testsEmbedding == true)

        #expect(Self.error("/posts", "select=title,comments(id)&comments=eq.1")?.code == "PGRST120")
        // An embedding named after a column of the parent leaves that column filterable.
        let byColumn = try Self.read("/posts", "select=title,author_id(name)&author_id=eq.x&author_id=not.is.null")
        #expect(byColumn.root.conditions.count == 2)
        #expect(byColumn.root.conditions.last == .embedding(0, present: true))
        if case .filter(let expression, _)? = byColumn.root.conditions.first {
            #expect(expression.column == "author_id")
        } else {
            Issue.record("not a column filter")
        }
        #expect(Self.error("/posts", "select=title,comments(id)&comments=not.is.true")?.code == "PGRST120")
        #expect(Self.error("/posts", "select=title,comments(id)&or=(comments.body.eq.x)")?.code == "PGRST100")
    }

    @Test("paths not in select are PGRST108, with the alias as hint; related order needs to-one")
    func paths() throws {
        let missing = try #require(Self.error("/posts", "select=title&comments.body=eq.x"))
        #expect(missing.code == "PGRST108")
        #expect(missing.message == "'comments' is not an embedded resource in this request")
        let aliased = try #require(Self.error("/posts", "select=title,notes:comments(body)&comments.limit=1"))
        #expect(aliased.code == "PGRST108")
        #expect(aliased.hint == "Change 'comments' to 'notes' in filters, orders or limits.")
        #expect((try? Self.read("/posts", "select=title,notes:comments(body)&notes.limit=1"))?.root.embeddings.first?.node.limit == 1)
        #expect(Self.error("/posts", "select=title,comments(body)&comments.users.name=eq.x")?.code == "PGRST108")

        let ordered = try Self.read("/posts", "select=title,author:author_id(name)&order=author(name).desc.nullslast,title")
        #expect(ordered.order.first?.embedding == 0)
        let sql = StatementRenderer.render(.read(ordered)).sql
        #expect(sql.contains(#""t_2"."name" AS "pgrst_order_0""#))
        #expect(sql.contains(#"ORDER BY "e_1"."pgrst_order_0" DESC NULLS LAST, "t"."title" ASC"#))
        let toMany = try #require(Self.error("/users", "select=name,posts!author_id(id)&order=posts(id)"))
        #expect(toMany.code == "PGRST118")
        #expect(Self.error("/posts", "select=title&order=users(name)")?.code == "PGRST108")
    }

    @Test("* inside an embedding expands per role; spreads lift keys; to-one builds one object")
    func starsAndSpreads() throws {
        let anon = try Self.read("/posts", "select=title,author:author_id(*)")
        let service = try Self.read("/posts", "select=title,author:author_id(*)", role: "service_role")
        #expect(anon.root.embeddings.first?.node.columns.map(\.key) == ["id", "name"])
        #expect(service.root.embeddings.first?.node.columns.map(\.key) == ["id", "name", "secret"])
        #expect(StatementRenderer.render(.read(anon)).sql.contains("(SELECT row_to_json(r) FROM (SELECT \"t_2\".\"id\" AS \"id\", \"t_2\".\"name\" AS \"name\") AS r) AS \"body\""))

        let spread = try Self.read("/posts", "select=title,...author_id(author:name)")
        #expect(spread.columns.map(\.key) == ["title", "author"])
        #expect(spread.columns.last?.value == .spread(0, key: "author"))
        let sql = StatementRenderer.render(.read(spread)).sql
        #expect(sql.contains(#""e_1"."author" AS "author""#))
    }

    @Test("text/csv renders a header and one line per row inside PostgreSQL")
    func csv() throws {
        guard case .read(let read) = try Self.plan("/posts", "select=title,author_id", headers: [("Accept", "text/csv")]).get() else {
            Issue.record("not a read")
            return
        }
        #expect(read.csv)
        let statement = StatementRenderer.render(.read(read))
        #expect(statement.sql.contains("string_agg("))
        #expect(statement.sql.contains(#"AS s ("c1", "c2")"#))
        #expect(statement.binds.first == .text("title,author_id"))
    }

    @Test("writes read their representation back from the written rows, embeddings included")
    func writes() throws {
        guard case .mutate(let mutate) = try Self.plan(
            "/posts", "select=title,comments(body),author:author_id(name)", method: "POST", body: #"{"title":"x"}"#,
            headers: [("Prefer", "return=representation")]).get()
        else {
            Issue.record("not a write")
            return
        }
        let sql = StatementRenderer.render(.mutate(mutate)).sql
        #expect(sql.contains(#"RETURNING "title", "id", "author_id""#))
        #expect(sql.contains(#"FROM "pgrst_written" AS "t" LEFT JOIN LATERAL"#))

        let refused = try #require(Self.error("/posts", "select=title,comments()&comments=is.null", method: "DELETE"))
        #expect(refused.status == 400)
    }
}
