import AppConfig
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

/// Aggregate functions (docs/wire-compatibility.md, Aggregates) over real HTTP on the real
/// schema: results checked against the rows read plainly, never against numbers written here;
/// RLS and column grants applied to what is aggregated; the setting that turns them off.
@Suite("REST: aggregates")
struct RESTAggregateTests {
    /// A JSON number as a Double (PostgreSQL's numeric arrives as a JSON number).
    static func number(_ value: Any?) -> Double? {
        (value as? NSNumber)?.doubleValue
    }

    /// Rows of `reply` keyed by the text of `key`.
    static func byKey(_ reply: RESTClient.Reply, _ key: String) -> [String: [String: Any]] {
        Dictionary(reply.array.map { (String(describing: $0[key] ?? "null"), $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test("count(), sum(), avg(), max(), min() over all rows and per group equal the plain rows' figures")
    func figures() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let rows = try await rest.send(.get, "print_products?select=product_type,base_price")
            #expect(rows.status == .ok)
            let prices = rows.array.compactMap { Self.number($0["base_price"]) }
            #expect(prices.count == rows.array.count && prices.count > 1)

            let all = try await rest.send(.get, "print_products?select=count(),base_price.sum(),base_price.avg(),base_price.max(),base_price.min()")
            #expect(all.status == .ok, "\(all.body)")
            #expect(all.array.count == 1)
            let figures = try #require(all.array.first)
            #expect(figures.keys.sorted() == ["avg", "count", "max", "min", "sum"])
            #expect(figures["count"] as? Int == rows.array.count)
            #expect(abs((Self.number(figures["sum"]) ?? 0) - prices.reduce(0, +)) < 0.005)
            #expect(abs((Self.number(figures["avg"]) ?? 0) - prices.reduce(0, +) / Double(prices.count)) < 0.005)
            #expect(Self.number(figures["max"]) == prices.max())
            #expect(Self.number(figures["min"]) == prices.min())

            // Grouped by the other selected column: one row per product type.
            let grouped = try await rest.send(.get, "print_products?select=product_type,n:count(),total:base_price.sum()&order=product_type")
            #expect(grouped.status == .ok, "\(grouped.body)")
            let types = Dictionary(grouping: rows.array, by: { $0["product_type"] as? String ?? "" })
            #expect(grouped.array.map { $0["product_type"] as? String ?? "" } == types.keys.sorted())
            for row in grouped.array {
                let members = types[row["product_type"] as? String ?? ""] ?? []
                #expect(row["n"] as? Int == members.count)
                let total = members.compactMap { Self.number($0["base_price"]) }.reduce(0, +)
                #expect(abs((Self.number(row["total"]) ?? -1) - total) < 0.005, "\(row)")
                #expect(row.keys.sorted() == ["n", "product_type", "total"])
            }

            // Filters pick the rows before they are aggregated.
            let posters = try await rest.send(.get, "print_products?select=count()&product_type=eq.poster")
            #expect(posters.array.first?["count"] as? Int == types["poster"]?.count)
            let none = try await rest.send(.get, "print_products?select=count(),base_price.sum()&name=eq.nothing")
            #expect(none.body == #"[{"count":0,"sum":null}]"#)
        }
    }

    @Test("casts on the input and on the result; an aggregate of a JSON path")
    func casts() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let prices = try await rest.send(.get, "print_products?select=base_price").array.compactMap { Self.number($0["base_price"]) }
            let reply = try await rest.send(
                .get, "print_products?select=rounded:base_price.avg()::int,text:base_price.sum()::text,whole:base_price::int.sum()")
            #expect(reply.status == .ok, "\(reply.body)")
            let row = try #require(reply.array.first)
            #expect(row["rounded"] as? Int == Int((prices.reduce(0, +) / Double(prices.count)).rounded()))
            #expect(Double(row["text"] as? String ?? "") .map { abs($0 - prices.reduce(0, +)) < 0.005 } == true, "\(row)")
            #expect(row["whole"] as? Int == prices.map { Int($0.rounded()) }.reduce(0, +))

            let themes = try await rest.send(.get, "motivational_themes?select=color_scheme")
            let withPrimary = themes.array.filter { ($0["color_scheme"] as? [String: Any])?["primary"] != nil }
            let counted = try await rest.send(.get, "motivational_themes?select=color_scheme-%3E%3Eprimary.count()")
            #expect(counted.status == .ok, "\(counted.body)")
            #expect(counted.array.first?["count"] as? Int == withPrimary.count)
        }
    }

    @Test("order and limit apply to the groups; count=exact counts the groups; HEAD, single object and CSV")
    func windowAndCount() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let types = Set(try await rest.send(.get, "print_products?select=product_type").array.compactMap { $0["product_type"] as? String })
            #expect(types.count > 2)

            let page = try await rest.send(.get, "print_products?select=product_type,count()&order=product_type.desc&limit=2", prefer: "count=exact")
            #expect(page.status == .partialContent, "\(page.body)")
            #expect(page.header("Content-Range") == "0-1/\(types.count)")
            #expect(page.array.map { $0["product_type"] as? String ?? "" } == Array(types.sorted().reversed().prefix(2)))

            let whole = try await rest.send(.get, "print_products?select=product_type,count()", prefer: "count=exact")
            #expect(whole.status == .ok)
            #expect(whole.header("Content-Range") == "0-\(types.count - 1)/\(types.count)")
            let head = try await rest.send(.head, "print_products?select=product_type,count()", prefer: "count=exact")
            #expect(head.status == .ok)
            #expect(head.body.isEmpty)
            #expect(head.header("Content-Range") == whole.header("Content-Range"))

            let one = try await rest.send(.get, "print_products?select=count()", accept: "application/vnd.pgrst.object+json")
            #expect(one.status == .ok, "\(one.body)")
            #expect(one.object["count"] as? Int == whole.array.compactMap { $0["count"] as? Int }.reduce(0, +))

            let csv = try await rest.send(.get, "print_products?select=product_type,count()&order=product_type", accept: "text/csv")
            #expect(csv.status == .ok)
            let lines = csv.body.split(separator: "\n").map(String.init)
            #expect(lines.first == "product_type,count")
            #expect(lines.count == types.count + 1)
        }
    }

    @Test("inside embeddings: per parent, grouped by the embedding's own values; a bare count; embeddings as groups")
    func embeddings() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let plain = try await rest.send(.get, "motivational_themes?select=name,master_prompt_questions(sort_order)&order=sort_order")
            let questions = plain.array.map { ($0["master_prompt_questions"] as? [[String: Any]]) ?? [] }
            #expect(questions.contains { $0.isEmpty } && questions.contains { !$0.isEmpty })

            for select in ["master_prompt_questions(count())", "master_prompt_questions(count)"] {
                let reply = try await rest.send(.get, "motivational_themes?select=name,\(select)&order=sort_order")
                #expect(reply.status == .ok, "\(select): \(reply.body)")
                let counts = reply.array.map { ($0["master_prompt_questions"] as? [[String: Any]])?.first?["count"] as? Int }
                #expect(counts == questions.map(\.count), "\(select)")
                #expect(reply.array.allSatisfy { ($0["master_prompt_questions"] as? [Any])?.count == 1 }, "one row of figures each")
            }

            let sums = try await rest.send(.get, "motivational_themes?select=name,questions:master_prompt_questions(total:sort_order.sum(),last:sort_order.max())&order=sort_order")
            #expect(sums.status == .ok, "\(sums.body)")
            for (row, own) in zip(sums.array, questions) {
                let figures = (row["questions"] as? [[String: Any]])?.first
                let orders = own.compactMap { $0["sort_order"] as? Int }
                #expect(figures?["total"] as? Int == (orders.isEmpty ? nil : orders.reduce(0, +)), "\(row)")
                #expect(figures?["last"] as? Int == orders.max(), "\(row)")
            }

            // Grouped inside the embedding: one row per required flag, per theme.
            let split = try await rest.send(.get, "motivational_themes?select=name,master_prompt_questions(is_required,count())&order=sort_order")
            #expect(split.status == .ok, "\(split.body)")
            let requiredPlain = try await rest.send(.get, "motivational_themes?select=master_prompt_questions(is_required)&order=sort_order")
            for (row, own) in zip(split.array, requiredPlain.array) {
                let flags = ((own["master_prompt_questions"] as? [[String: Any]]) ?? []).compactMap { $0["is_required"] as? Bool }
                let groups = (row["master_prompt_questions"] as? [[String: Any]]) ?? []
                #expect(groups.count == Set(flags).count)
                for group in groups {
                    let flag = group["is_required"] as? Bool
                    #expect(group["count"] as? Int == flags.filter { $0 == flag }.count)
                }
            }

            // An embedded resource as a grouping value: questions counted per theme.
            let perTheme = try await rest.send(.get, "master_prompt_questions?select=count(),motivational_themes(name)&theme_id=not.is.null")
            #expect(perTheme.status == .ok, "\(perTheme.body)")
            let expected = Dictionary(uniqueKeysWithValues: zip(plain.array.map { $0["name"] as? String ?? "" }, questions.map(\.count)).filter { $0.1 > 0 })
            let got = Dictionary(uniqueKeysWithValues: perTheme.array.map {
                (($0["motivational_themes"] as? [String: Any])?["name"] as? String ?? "", $0["count"] as? Int ?? -1)
            })
            #expect(got == expected)
        }
    }

    @Test("spreads: a to-one spread's columns group the parent, its aggregates are computed in the parent")
    func spreads() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let plain = try await rest.send(.get, "master_prompt_questions?select=sort_order,motivational_themes(name,sort_order)&theme_id=not.is.null")
            var counts: [String: Int] = [:]
            var lastQuestion: [String: Int] = [:]
            var themeOrder: [String: Int] = [:]
            for row in plain.array {
                let theme = row["motivational_themes"] as? [String: Any]
                let name = theme?["name"] as? String ?? ""
                counts[name, default: 0] += 1
                lastQuestion[name] = max(lastQuestion[name] ?? Int.min, row["sort_order"] as? Int ?? Int.min)
                themeOrder[name] = theme?["sort_order"] as? Int
            }

            let grouped = try await rest.send(.get, "master_prompt_questions?select=...motivational_themes(theme:name),count(),sort_order.max()&theme_id=not.is.null")
            #expect(grouped.status == .ok, "\(grouped.body)")
            #expect(Self.byKey(grouped, "theme").mapValues { $0["count"] as? Int ?? -1 } == counts)
            #expect(Self.byKey(grouped, "theme").mapValues { $0["max"] as? Int ?? -1 } == lastQuestion)

            // Hoisted: the theme's sort_order, aggregated per theme name in the parent.
            let hoisted = try await rest.send(.get, "master_prompt_questions?select=...motivational_themes(theme:name,position:sort_order.min())&theme_id=not.is.null")
            #expect(hoisted.status == .ok, "\(hoisted.body)")
            #expect(Self.byKey(hoisted, "theme").mapValues { $0["position"] as? Int ?? -1 } == themeOrder)
        }
    }

    @Test("team_members(count) on the real teams table: the members each caller may see, RLS applied")
    func teamMemberCounts() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@aggregate.test")
            let bob = try await app.signUp(client, email: "bob@aggregate.test")
            let carol = try await app.signUp(client, email: "carol@aggregate.test")
            let anon = RESTClient(client: client, apiKey: app.keys.anon)
            let service = RESTClient(client: client, apiKey: app.keys.serviceRole)
            let asAlice = anon.with(bearer: alice.token)
            let asBob = anon.with(bearer: bob.token)
            let asCarol = anon.with(bearer: carol.token)

            let team = try await asAlice.send(.post, "teams", json: #"{"name":"Counters"}"#, prefer: "return=representation")
            #expect(team.status == .created, "\(team.body)")
            let teamID = try #require(team.array.first?["id"] as? String)
            let joined = try await service.send(.post, "team_members", json: #"{"team_id":"\#(teamID)","user_id":"\#(bob.id)","role":"member"}"#)
            #expect(joined.status == .created, "\(joined.body)")
            let members = try await service.send(.get, "team_members?team_id=eq.\(teamID)").array.count
            #expect(members == 2)

            for caller in [asAlice, asBob] {
                let reply = try await caller.send(.get, "teams?select=*,team_members(count)")
                #expect(reply.status == .ok, "\(reply.body)")
                #expect(reply.array.count == 1)
                #expect(reply.array.first?["team_members"] as? [[String: Int]] == [["count": members]], "\(reply.body)")
                #expect(reply.array.first?["name"] as? String == "Counters")
                let alone = try await caller.send(.get, "team_members?select=count()&team_id=eq.\(teamID)")
                #expect(alone.array.first?["count"] as? Int == members)
            }
            let perRole = try await asAlice.send(.get, "team_members?select=role,count()&order=role")
            #expect(perRole.array.map { "\($0["role"] ?? "") \($0["count"] ?? "")" } == ["member 1", "owner 1"])
            #expect(perRole.array.allSatisfy { $0.keys.sorted() == ["count", "role"] })

            // Another user aggregates nothing of theirs: no team, and a count of 0.
            let outsider = try await asCarol.send(.get, "teams?select=*,team_members(count)")
            #expect(outsider.status == .ok)
            #expect(outsider.body == "[]")
            let outsiderCount = try await asCarol.send(.get, "team_members?select=count()&team_id=eq.\(teamID)")
            #expect(outsiderCount.body == #"[{"count":0}]"#)
            let grouped = try await asCarol.send(.get, "team_members?select=team_id,count()")
            #expect(grouped.body == "[]")
            // anon holds no privilege on these tables: refused, as any read.
            let anonymous = try await anon.send(.get, "team_members?select=count()")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.code == "42501")
            // The server's key sees every membership.
            #expect(try await service.send(.get, "team_members?select=count()&team_id=eq.\(teamID)").array.first?["count"] as? Int == members)
        }
    }

    @Test("aggregates read only what the role may read: RLS counts, column grants refuse")
    func privileges() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@aggregate-rls.test")
            let bob = try await app.signUp(client, email: "bob@aggregate-rls.test")
            let anon = RESTClient(client: client, apiKey: app.keys.anon)
            let asAlice = anon.with(bearer: alice.token)
            let asBob = anon.with(bearer: bob.token)
            let created = try await asAlice.send(
                .post, "habits", json: #"[{"title":"a"},{"title":"b"},{"title":"c","is_active":false}]"#, prefer: "return=representation")
            #expect(created.status == .created, "\(created.body)")
            let own = created.array

            let mine = try await asAlice.send(.get, "habits?select=is_active,count()&order=is_active")
            #expect(mine.status == .ok, "\(mine.body)")
            #expect(mine.array.map { $0["count"] as? Int ?? -1 } == [false, true].map { flag in own.filter { $0["is_active"] as? Bool == flag }.count })
            #expect(try await asBob.send(.get, "habits?select=count()").body == #"[{"count":0}]"#)
            #expect(try await asBob.send(.get, "habits?select=title,count()").body == "[]")
            #expect(try await asBob.send(.get, "habits?select=title.max(),title.min()").body == #"[{"max":null,"min":null}]"#)
            #expect(try await anon.send(.get, "habits?select=count()").status == .unauthorized)

            // A column the role may not read stays unreadable inside an aggregate.
            let secret = try await asAlice.send(.get, "plaid_items?select=access_token_encrypted.count()")
            #expect(secret.status == .forbidden, "\(secret.body)")
            #expect(secret.code == "42501")
            let visible = try await asAlice.send(.get, "plaid_items?select=count(),status.max()")
            #expect(visible.status == .ok, "\(visible.body)")
            #expect(visible.body == #"[{"count":0,"max":null}]"#)
            let star = try await asAlice.send(.get, "plaid_items?select=*,count()")
            #expect(star.status == .ok, "* groups by the readable columns only: \(star.body)")
        }
    }

    @Test("writes and calls: a representation may aggregate; max-affected still counts the rows written")
    func writesAndCalls() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@aggregate-write.test")
            let asAlice = RESTClient(client: client, apiKey: app.keys.anon, bearer: alice.token)
            let created = try await asAlice.send(
                .post, "habits?select=count(),is_active", json: #"[{"title":"a"},{"title":"b"},{"title":"c","is_active":false}]"#,
                prefer: "return=representation")
            #expect(created.status == .created, "\(created.body)")
            #expect(Set(created.array.map { "\($0["is_active"] ?? "") \($0["count"] ?? "")" }) == ["1 2", "0 1"])

            let refused = try await asAlice.send(
                .patch, "habits?select=count()", json: #"{"description":"all"}"#,
                prefer: "return=representation, handling=strict, max-affected=1")
            #expect(refused.status == .badRequest, "\(refused.body)")
            #expect(refused.code == "PGRST124")
            #expect(try await asAlice.send(.get, "habits?description=eq.all").array.isEmpty, "undone")

            let updated = try await asAlice.send(.patch, "habits?select=count()", json: #"{"description":"all"}"#, prefer: "return=representation")
            #expect(updated.status == .ok, "\(updated.body)")
            #expect(updated.array.first?["count"] as? Int == created.array.compactMap { $0["count"] as? Int }.reduce(0, +))
            #expect(updated.header("Content-Range") == "0-2/*", "the rows written")

            let plain = try await asAlice.send(.get, "rpc/get_partner_connection")
            #expect(plain.status == .ok, "\(plain.body)")
            let counted = try await asAlice.send(.get, "rpc/get_partner_connection?select=count()")
            #expect(counted.status == .ok, "\(counted.body)")
            #expect(counted.array.first?["count"] as? Int == plain.array.count)
        }
    }

    @Test("bad aggregates are 4xx in PostgREST's catalogue, never a 500", arguments: [
        ("print_products?select=base_price.sum(", 400, "PGRST100"),
        ("print_products?select=base_price.total()", 400, "PGRST100"),
        ("print_products?select=count()x", 400, "PGRST100"),
        ("print_products?select=nope.sum()", 400, "42703"),
        ("print_products?select=base_price.sum()::in%20valid--", 400, "PGRST100"),
        // PostgreSQL decides what a function accepts; PostgREST answers its 42883 with 404.
        ("print_products?select=name.sum()", 404, "42883"),
        // Ordering by a column that is neither grouped nor aggregated: PostgreSQL's grouping error.
        ("print_products?select=product_type,count()&order=name", 400, "42803"),
        ("print_products?select=count()&order=sum", 400, "42703"),
        ("print_products?select=base_price::nosuchtype.sum()", 400, "42704"),
        ("motivational_themes?select=name,master_prompt_questions(nope.max())", 400, "42703"),
    ])
    func badRequests(query: String, status: Int, code: String) async throws {
        try await expectFailure(query, status: status, code: code)
    }

    @Test("VISIONARY_REST_AGGREGATES_ENABLED=false: PGRST123, as PostgREST without db-aggregates-enabled; a bare count alone still counts")
    func disabled() async throws {
        #expect(AppConfig().restAggregatesEnabled)
        let configured = try AppConfig(environment: ["VISIONARY_REST_AGGREGATES_ENABLED": "false"], workingDirectory: "/")
        #expect(!configured.restAggregatesEnabled)
        #expect(configured.redactedSettings.contains { $0.name == "VISIONARY_REST_AGGREGATES_ENABLED" && $0.value == "false" })
        #expect(throws: ConfigError.self) { try AppConfig(environment: ["VISIONARY_REST_AGGREGATES_ENABLED": "maybe"], workingDirectory: "/") }

        let app = try await TestApp.make { $0.restAggregatesEnabled = false }
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            for query in [
                "print_products?select=count()", "print_products?select=base_price.sum()", "print_products?select=product_type,count",
                "motivational_themes?select=name,master_prompt_questions(sort_order.max())",
                "master_prompt_questions?select=...motivational_themes(sort_order.min())",
            ] {
                let reply = try await rest.send(.get, query)
                #expect(reply.status == .badRequest, "\(query): \(reply.body)")
                #expect(reply.body == #"{"code":"PGRST123","details":null,"hint":null,"message":"Use of aggregate functions is not allowed"}"#, "\(query)")
            }
            let plain = try await rest.send(.get, "motivational_themes?select=master_prompt_questions(id)&order=sort_order")
            let counted = try await rest.send(.get, "motivational_themes?select=master_prompt_questions(count)&order=sort_order")
            #expect(counted.status == .ok, "\(counted.body)")
            #expect(counted.array.map { ($0["master_prompt_questions"] as? [[String: Any]])?.first?["count"] as? Int }
                == plain.array.map { ($0["master_prompt_questions"] as? [Any])?.count })
        }
    }
}
