import Core
import RESTEngine
import RESTErrors
import RESTQuery
import SchemaCache

/// The REST pipeline, parse → plan → render, on one request read off the input's lines:
/// method, path, query, `Range`, `Prefer`, `Accept`, `Accept-Profile`/`Content-Profile`, role,
/// and the rest as the body (no body line: no body). Refusals are answers; only traps are findings.
enum RESTFuzzer {
    static let maxRows = 1000
    static let planners = [
        Planner(cache: FuzzSchema.cache, exposedSchemas: ["public", "api"]),
        Planner(cache: FuzzSchema.cache, exposedSchemas: ["public", "api"], maxRows: maxRows),
    ]

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let line = lines(input, count: 9)
        func value(_ index: Int) -> String? { index < line.count ? line[index] : nil }
        var headers: [(name: String, value: String)] = []
        for (index, name) in [(3, "Range"), (4, "Prefer"), (5, "Accept")] {
            if let text = value(index) { headers.append((name, text)) }
        }
        if let profile = value(6) {
            headers.append(("Accept-Profile", profile))
            headers.append(("Content-Profile", profile))
        }
        let method = value(0) ?? "GET"
        let body = value(8).map { Array($0.utf8) }
        let result = ApiRequestParser.parse(method: method, path: value(1) ?? "/", query: value(2) ?? "", headers: headers, body: body)
        guard case .success(let request) = result else { return }
        HeaderFuzzer.check(request)
        let planner = planners[input.count % 2]
        let plan: Plan
        do throws(RESTError) {
            plan = try planner.plan(request, role: value(7) ?? "anon")
        } catch {
            // PGRST201 (ambiguous embedding) is 300 Multiple Choices, as in PostgREST.
            invariant((300..<600).contains(error.status), "status \(error.status) for \(error.code)")
            return
        }
        let statement = StatementRenderer.render(plan)
        invariant(!statement.sql.isEmpty, "an empty statement")
        checkStructure(statement)
        if case .read(let read) = plan {
            invariant(read.root.offset >= 0, "negative offset \(read.root.offset)")
            if let limit = read.root.limit { invariant(limit >= 0, "negative limit \(limit)") }
            if planner.maxRows != nil { invariant((read.root.limit ?? .max) <= maxRows, "limit past max-rows") }
        }
    }
}

extension RESTFuzzer {
    /// What the request text may never do to the statement: every quoted identifier and string
    /// literal is closed, and outside them there are no statement separators or comments, the
    /// parentheses balance without ever closing one that is not open, and the placeholders are
    /// exactly `$1`…`$n` for the n bound values. Request text that escaped its quotes, or a cast
    /// that closed a parenthesis it did not open, breaks one of these.
    static func checkStructure(_ statement: SQLStatement) {
        let sql = Array(statement.sql.utf8)
        var index = 0
        var depth = 0
        var placeholders = Set<Int>()
        func quoted(_ mark: UInt8) {
            index += 1
            while index < sql.count {
                if sql[index] == mark {
                    guard index + 1 < sql.count, sql[index + 1] == mark else { break }
                    index += 1
                }
                index += 1
            }
            invariant(index < sql.count, "an unterminated \(Character(Unicode.Scalar(mark))) in \(statement.sql)")
            index += 1
        }
        while index < sql.count {
            let byte = sql[index]
            let next = index + 1 < sql.count ? sql[index + 1] : 0
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                quoted(byte)
                continue
            case UInt8(ascii: "("):
                depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                invariant(depth >= 0, "a ) closing nothing in \(statement.sql)")
            case UInt8(ascii: ";"):
                invariant(false, "a ; outside quotes in \(statement.sql)")
            case UInt8(ascii: "-") where next == UInt8(ascii: "-"), UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                invariant(false, "a comment outside quotes in \(statement.sql)")
            case UInt8(ascii: "$"):
                var number = 0
                var digits = 0
                while index + 1 < sql.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(sql[index + 1]), digits < 9 {
                    index += 1
                    digits += 1
                    number = number * 10 + Int(sql[index] - UInt8(ascii: "0"))
                }
                invariant(number >= 1 && number <= statement.binds.count, "placeholder $\(number) of \(statement.binds.count) in \(statement.sql)")
                placeholders.insert(number)
            default:
                break
            }
            index += 1
        }
        invariant(depth == 0, "unbalanced parentheses in \(statement.sql)")
        invariant(placeholders.count == statement.binds.count, "\(statement.binds.count) binds, \(placeholders.count) used in \(statement.sql)")
    }
}

/// A small schema cache that reaches the planner's paths: tables with one-to-many, many-to-one
/// and many-to-many (through a junction) relationships, a self-reference, a view, a second
/// exposed schema, columns some roles may not read, and functions returning a scalar, a set of
/// a table's rows, a table of their own, and nothing.
enum FuzzSchema {
    static let everyone = ["anon", "authenticated", "service_role"]

    static func column(_ name: String, _ type: String, nullable: Bool = false, default expression: String? = nil, readers: [String] = everyone) -> Column {
        Column(
            name: name, type: type, nullable: nullable, hasDefault: expression != nil, defaultExpression: expression,
            generated: false, readableBy: readers, comment: nil)
    }

    static func key(_ table: String, _ columns: [String], _ target: String, _ targetColumns: [String], schema: String = "public") -> ForeignKey {
        ForeignKey(
            constraintName: "\(table)_\(columns.joined(separator: "_"))_fkey", schema: schema, table: table, columns: columns,
            referencedSchema: schema, referencedTable: target, referencedColumns: targetColumns)
    }

    static let cache = SchemaCache(
        relations: [
            Relation(
                schema: "public", name: "users", kind: .table,
                columns: [
                    column("id", "uuid", default: "gen_random_uuid()"),
                    column("email", "text", readers: ["service_role"]),
                    column("name", "text", nullable: true),
                    column("profile", "jsonb", default: "'{}'::jsonb"),
                    column("manager_id", "uuid", nullable: true),
                ],
                primaryKey: ["id"], uniqueKeys: [["id"], ["email"]],
                foreignKeys: [key("users", ["manager_id"], "users", ["id"])], comment: "People"),
            Relation(
                schema: "public", name: "posts", kind: .table,
                columns: [
                    column("id", "bigint", default: "nextval('posts_id_seq')"),
                    column("author_id", "uuid"),
                    column("title", "text"),
                    column("tags", "text[]", default: "'{}'"),
                    column("meta", "jsonb", nullable: true),
                    column("score", "numeric", default: "0"),
                    column("created_at", "timestamp with time zone", default: "now()"),
                ],
                primaryKey: ["id"], uniqueKeys: [["id"]],
                foreignKeys: [key("posts", ["author_id"], "users", ["id"])], comment: nil),
            Relation(
                schema: "public", name: "comments", kind: .table,
                columns: [
                    column("id", "bigint", default: "nextval('comments_id_seq')"),
                    column("post_id", "bigint"),
                    column("author_id", "uuid"),
                    column("body", "text"),
                ],
                primaryKey: ["id"], uniqueKeys: [["id"]],
                foreignKeys: [key("comments", ["post_id"], "posts", ["id"]), key("comments", ["author_id"], "users", ["id"])],
                comment: nil),
            Relation(
                schema: "public", name: "labels", kind: .table,
                columns: [column("id", "integer"), column("name", "text")],
                primaryKey: ["id"], uniqueKeys: [["id"], ["name"]], foreignKeys: [], comment: nil),
            Relation(
                schema: "public", name: "post_labels", kind: .table,
                columns: [column("post_id", "bigint"), column("label_id", "integer")],
                primaryKey: ["post_id", "label_id"], uniqueKeys: [["post_id", "label_id"]],
                foreignKeys: [key("post_labels", ["post_id"], "posts", ["id"]), key("post_labels", ["label_id"], "labels", ["id"])],
                comment: nil),
            Relation(
                schema: "public", name: "recent_posts", kind: .view,
                columns: [column("id", "bigint", nullable: true), column("title", "text", nullable: true)],
                primaryKey: [], uniqueKeys: [], foreignKeys: [], comment: nil),
            Relation(
                schema: "api", name: "notes", kind: .table,
                columns: [column("id", "integer"), column("text", "text", nullable: true)],
                primaryKey: ["id"], uniqueKeys: [["id"]], foreignKeys: [], comment: nil),
        ],
        routines: [
            Routine(
                schema: "public", name: "add",
                parameters: [.init(name: "a", type: "integer", hasDefault: false), .init(name: "b", type: "integer", hasDefault: true)],
                returnType: "integer", returnsSet: false, returnsComposite: false, volatility: .immutable, comment: nil),
            Routine(
                schema: "public", name: "search_posts", parameters: [.init(name: "q", type: "text", hasDefault: false)],
                returnType: "posts", returnsSet: true, returnsComposite: true, volatility: .stable, comment: nil,
                resultColumns: [.init(name: "id", type: "bigint"), .init(name: "author_id", type: "uuid"), .init(name: "title", type: "text")],
                resultRelation: QualifiedName(schema: "public", name: "posts")),
            Routine(
                schema: "public", name: "stats", parameters: [],
                returnType: "record", returnsSet: true, returnsComposite: true, volatility: .stable, comment: nil,
                resultColumns: [.init(name: "n", type: "bigint"), .init(name: "label", type: "text")]),
            Routine(
                schema: "public", name: "touch", parameters: [.init(name: "payload", type: "jsonb", hasDefault: true)],
                returnType: "void", returnsSet: false, returnsComposite: false, volatility: .volatile, comment: nil,
                executableBy: ["authenticated", "service_role"]),
        ])
}
