// The pure stages of a /rest/v1 request, timed without a server or a database: parse
// (ApiRequestParser) → plan (Planner, against a schema cache) → render (StatementRenderer).
// Run by scripts/bench-rest.sh; not part of the product.
//
//   RESTPipelineBench [--schema cache.json] [--iterations N] [--query 'select=*&…'] [--path /vision_boards]
//   RESTPipelineBench --statement [--schema cache.json] …   print the rendered statement as JSON and exit
//
// --schema takes the JSON the schema-cache loader query builds (SchemaCache is Codable); without
// it, a hand-built cache describing public.vision_boards is used.
import Core
import Foundation
import RESTEngine
import RESTQuery
import SchemaCache

struct Options {
    var schemaFile: String?
    var iterations = 100_000
    var path = "/vision_boards"
    var query = "select=*&order=created_at.desc&limit=10"
    var role = "authenticated"
    var printStatement = false

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--schema": schemaFile = iterator.next()
            case "--iterations": iterations = iterator.next().flatMap(Int.init) ?? iterations
            case "--path": path = iterator.next() ?? path
            case "--query": query = iterator.next() ?? query
            case "--role": role = iterator.next() ?? role
            case "--statement": printStatement = true
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

/// public.vision_boards as the loader describes it (migration 0003): owner-only, so every column
/// is readable by authenticated and service_role, none by anon.
func handBuiltCache() -> SchemaCache {
    let readers = ["authenticated", "service_role"]
    func column(_ name: String, _ type: String, nullable: Bool = false, default expression: String? = nil) -> Column {
        Column(
            name: name, type: type, nullable: nullable, hasDefault: expression != nil, defaultExpression: expression,
            generated: false, readableBy: readers, comment: nil)
    }
    let boards = Relation(
        schema: "public", name: "vision_boards", kind: .table,
        columns: [
            column("id", "uuid", default: "gen_random_uuid()"),
            column("user_id", "uuid", default: "auth.uid()"),
            column("prompt", "text"),
            column("image_url", "text"),
            column("is_favorite", "boolean", default: "false"),
            column("deleted_at", "timestamp with time zone", nullable: true),
            column("created_at", "timestamp with time zone", default: "now()"),
            column("updated_at", "timestamp with time zone", default: "now()"),
        ],
        primaryKey: ["id"], uniqueKeys: [["id"]],
        foreignKeys: [
            ForeignKey(
                constraintName: "vision_boards_user_id_fkey", schema: "public", table: "vision_boards", columns: ["user_id"],
                referencedSchema: "auth", referencedTable: "users", referencedColumns: ["id"]),
        ],
        comment: nil)
    return SchemaCache(relations: [boards], routines: [])
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let cache: SchemaCache
let cacheSource: String
if let file = options.schemaFile {
    do {
        cache = try JSONDecoder().decode(SchemaCache.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        cacheSource = "loaded from the database (\(cache.relations.count) relations, \(cache.routines.count) functions)"
    } catch {
        fail("cannot read the schema cache \(file): \(error)")
    }
} else {
    cache = handBuiltCache()
    cacheSource = "hand-built (vision_boards only)"
}

// The headers wrk sends: the parser looks several of them up by name.
let headers: [(name: String, value: String)] = [
    ("Host", "127.0.0.1:54321"),
    ("apikey", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2lnbmF0dXJl"),
    ("Authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2lnbmF0dXJl"),
]
let planner = Planner(cache: cache)

func parse() -> ApiRequest {
    switch ApiRequestParser.parse(method: "GET", path: options.path, query: options.query, headers: headers, body: nil) {
    case .success(let request): return request
    case .failure(let error): fail("parse failed: \(error)")
    }
}

func plan(_ request: ApiRequest) -> Plan {
    do {
        return try planner.plan(request, role: options.role)
    } catch {
        fail("plan failed: \(error)")
    }
}

if options.printStatement {
    let statement = StatementRenderer.render(plan(parse()))
    // Binds as typed JSON values, for scripts that replay the statement (pgbench).
    let binds: [[String: Any]] = statement.binds.map { bind in
        if case .int(let value) = bind { return ["type": "int", "value": value] }
        if case .text(let value) = bind { return ["type": "text", "value": value] }
        if case .bool(let value) = bind { return ["type": "bool", "value": value] }
        if case .json(let value) = bind { return ["type": "json", "value": value] }
        if case .null = bind { return ["type": "null"] }
        return ["type": "other", "value": String(describing: bind)]
    }
    // And as the server sends it in one round trip: parameters as one text array.
    guard let direct = statement.withTextArrayParameters() else { fail("the statement has a placeholder without a value") }
    let data = try JSONSerialization.data(
        withJSONObject: ["sql": statement.sql, "binds": binds, "direct": ["sql": direct.sql, "parameters": direct.parameters]],
        options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
    exit(0)
}

/// Runs `body` `iterations` times after a warm-up; nanoseconds per iteration.
func measure(_ iterations: Int, _ body: () -> Int) -> (nanoseconds: Double, checksum: Int) {
    var checksum = 0
    for _ in 0..<max(1, iterations / 10) { checksum &+= body() }
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<iterations { checksum &+= body() }
    let elapsed = clock.now - start
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    return (nanoseconds / Double(iterations), checksum)
}

let n = options.iterations
let parsed = parse()
let planned = plan(parsed)
let parseOnly = measure(n) { parse().query.select.count }
let planOnly = measure(n) {
    if case .read(let read) = plan(parsed) { return read.columns.count }
    return 1
}
let renderOnly = measure(n) { StatementRenderer.render(planned).sql.utf8.count }
let pipeline = measure(n) { StatementRenderer.render(plan(parse())).sql.utf8.count }

func micro(_ nanoseconds: Double) -> String { String(format: "%8.2f µs", nanoseconds / 1000) }
print("REST pipeline micro-benchmark: GET /rest/v1\(options.path)?\(options.query) as \(options.role)")
print("  schema cache \(cacheSource); \(n) iterations per stage")
print("  parse (ApiRequestParser.parse)            \(micro(parseOnly.nanoseconds))")
print("  plan  (Planner.plan)                      \(micro(planOnly.nanoseconds))")
print("  render (StatementRenderer.render)         \(micro(renderOnly.nanoseconds))")
print("  parse + plan + render, per request        \(micro(pipeline.nanoseconds))   (\(Int(1e9 / pipeline.nanoseconds)) requests/s on one core)")
print("  (what compiling a request costs; the server compiles a read once per form, role and schema cache: CompiledReads)")
// Keeps the optimiser from discarding the work.
if parseOnly.checksum &+ planOnly.checksum &+ renderOnly.checksum &+ pipeline.checksum == 42 { print("") }
