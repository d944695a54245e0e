import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

/// Embedded resources, embedded filters, related order and CSV (docs/wire-compatibility.md,
/// Select; Filters and logic trees; Order and pagination; Media types, statuses and headers)
/// over real HTTP on the real schema: the public catalogue for shapes, users' own rows for RLS.
@Suite("REST: embedding and CSV")
struct RESTEmbeddingTests {
    @Test("to-one → object, to-many → array, by table, FK column or constraint; nested; *")
    func shapes() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)

            let questions = try await rest.send(.get, "master_prompt_questions?select=sort_order,motivational_themes(name)&order=sort_order&limit=2")
            #expect(questions.status == .ok, "\(questions.body)")
            let theme = try #require(questions.array.first?["motivational_themes"] as? [String: Any])
            #expect(theme.keys.sorted() == ["name"])

            // The FK column as target: output key is the column name unless aliased.
            let byColumn = try await rest.send(.get, "master_prompt_questions?select=theme:theme_id(name),theme_id(id)&limit=1")
            #expect(byColumn.status == .ok, "\(byColumn.body)")
            #expect((byColumn.array.first?["theme"] as? [String: Any])?["name"] is String)
            #expect(byColumn.array.first?["theme_id"] is [String: Any])

            // One-to-many: arrays, [] when empty; every question appears once.
            let themes = try await rest.send(.get, "motivational_themes?select=name,master_prompt_questions(sort_order)&order=sort_order")
            #expect(themes.status == .ok, "\(themes.body)")
            #expect(themes.array.count == 5)
            let lists = themes.array.map { ($0["master_prompt_questions"] as? [[String: Any]]) ?? [[:]] }
            #expect(lists.map(\.count) == [7, 7, 7, 7, 0])

            // By constraint name, as target and as hint.
            for select in ["name,master_prompt_questions!master_prompt_questions_theme_id_fkey(id)",
                           "name,master_prompt_questions!theme_id(id)",
                           "name,questions:master_prompt_questions_theme_id_fkey(id)"] {
                let reply = try await rest.send(.get, "motivational_themes?select=\(select)&order=sort_order&limit=1")
                #expect(reply.status == .ok, "\(select): \(reply.body)")
                let key = select.contains("questions:") ? "questions" : "master_prompt_questions"
                #expect((reply.array.first?[key] as? [Any])?.count == 7, "\(select)")
            }

            // Nested, and * inside an embedding.
            let nested = try await rest.send(
                .get, "motivational_themes?select=name,master_prompt_questions(sort_order,motivational_themes(*))&order=sort_order&limit=1")
            #expect(nested.status == .ok, "\(nested.body)")
            let inner = try #require((nested.array.first?["master_prompt_questions"] as? [[String: Any]])?.first)
            let back = try #require(inner["motivational_themes"] as? [String: Any])
            #expect(back["name"] as? String == nested.array.first?["name"] as? String)
            #expect(back["system_prompt_template"] is String && back["color_scheme"] is [String: Any])
        }
    }

    @Test("!inner drops parents (and counts after it); embedded filters, trees, order, limit; null tests")
    func embeddedFilters() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            func lists(_ query: String, prefer: String? = nil) async throws -> (RESTClient.Reply, [[Int]]) {
                let reply = try await rest.send(.get, "motivational_themes?\(query)", prefer: prefer)
                #expect(reply.status.code < 300, "\(query): \(reply.body)")
                return (reply, reply.array.map {
                    (($0["master_prompt_questions"] as? [[String: Any]]) ?? []).map { $0["sort_order"] as? Int ?? -1 }
                })
            }
            let q = "select=name,master_prompt_questions(sort_order)&order=sort_order"
            let qInner = "select=name,master_prompt_questions!inner(sort_order)&order=sort_order"

            let (all, _) = try await lists(q, prefer: "count=exact")
            #expect(all.header("Content-Range") == "0-4/5")
            let (inner, innerLists) = try await lists(qInner, prefer: "count=exact")
            #expect(inner.header("Content-Range") == "0-3/4")
            #expect(innerLists.allSatisfy { $0.count == 7 })
            let (_, page) = try await lists(qInner + "&limit=2", prefer: "count=exact")
            #expect(page.count == 2)

            // Embedded filter: only the embedded rows; parents stay unless !inner.
            let (_, filtered) = try await lists(q + "&master_prompt_questions.sort_order=gt.5&master_prompt_questions.order=sort_order")
            #expect(filtered == [[6, 7], [6, 7], [6, 7], [6, 7], []])
            let (_, filteredInner) = try await lists(qInner + "&master_prompt_questions.sort_order=eq.7")
            #expect(filteredInner == [[7], [7], [7], [7]])
            let (_, tree) = try await lists(q + "&master_prompt_questions.or=(sort_order.eq.1,sort_order.eq.7)&master_prompt_questions.order=sort_order")
            #expect(tree.prefix(4).allSatisfy { $0 == [1, 7] })
            let (_, ordered) = try await lists(q + "&master_prompt_questions.order=sort_order.desc&master_prompt_questions.limit=2&master_prompt_questions.offset=1")
            #expect(ordered == [[6, 5], [6, 5], [6, 5], [6, 5], []])

            // Presence tests on a bare embedding.
            let (present, _) = try await lists(q + "&master_prompt_questions=not.is.null")
            #expect(present.array.count == 4)
            let (absent, _) = try await lists(q + "&master_prompt_questions=is.null")
            #expect(absent.array.count == 1)
            let (either, _) = try await lists(q + "&or=(master_prompt_questions.is.null,name.eq.christian)")
            #expect(either.array.count == 2)

            // An empty embedding only filters.
            let emptied = try await rest.send(.get, "motivational_themes?select=name,master_prompt_questions!inner()&master_prompt_questions.sort_order=eq.7")
            #expect(emptied.status == .ok, "\(emptied.body)")
            #expect(emptied.array.count == 4)
            #expect(emptied.array.allSatisfy { $0.keys.sorted() == ["name"] })
        }
    }

    @Test("related order on a to-one embedding; spreads lift columns")
    func orderAndSpread() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let ordered = try await rest.send(
                .get, "master_prompt_questions?select=sort_order,theme:motivational_themes(sort_order)&order=theme(sort_order).desc,sort_order.desc")
            #expect(ordered.status == .ok, "\(ordered.body)")
            let themeOrders = ordered.array.map { (($0["theme"] as? [String: Any])?["sort_order"] as? Int) ?? -1 }
            #expect(themeOrders.count == 28)
            #expect(themeOrders == themeOrders.sorted(by: >))
            #expect(ordered.array.first?["sort_order"] as? Int == 7)

            let spread = try await rest.send(.get, "master_prompt_questions?select=sort_order,...motivational_themes(theme:name)&order=sort_order&limit=1")
            #expect(spread.status == .ok, "\(spread.body)")
            #expect(spread.array.first?.keys.sorted() == ["sort_order", "theme"])
            #expect(spread.array.first?["theme"] is String)

            let many = try await rest.send(.get, "motivational_themes?select=name,...master_prompt_questions(sort_order)&order=sort_order&limit=1&master_prompt_questions.order=sort_order")
            #expect(many.status == .ok, "\(many.body)")
            #expect(many.array.first?["sort_order"] as? [Int] == [1, 2, 3, 4, 5, 6, 7])
        }
    }

    @Test("embedding errors are PostgREST's", arguments: [
        ("motivational_themes?select=name,print_products(*)", 400, "PGRST200"),
        ("motivational_themes?select=name,master_prompt_questions!nope(*)", 400, "PGRST200"),
        ("motivational_themes?select=name,master_prompt_questions(nope)", 400, "42703"),
        ("motivational_themes?select=name&master_prompt_questions.sort_order=eq.1", 400, "PGRST108"),
        ("motivational_themes?select=name,qs:master_prompt_questions(id)&master_prompt_questions.sort_order=eq.1", 400, "PGRST108"),
        ("motivational_themes?select=name&master_prompt_questions.order=id", 400, "PGRST108"),
        ("motivational_themes?select=name&master_prompt_questions.limit=1", 400, "PGRST108"),
        ("motivational_themes?select=name,master_prompt_questions(id)&master_prompt_questions=eq.1", 400, "PGRST120"),
        ("motivational_themes?select=name,master_prompt_questions(id)&order=master_prompt_questions(id)", 400, "PGRST118"),
        ("master_prompt_questions?select=id&order=motivational_themes(name)", 400, "PGRST108"),
    ])
    func errors(query: String, status: Int, code: String) async throws {
        try await expectFailure(query, status: status, code: code) { reply in
            if query.contains("qs:") {
                #expect((reply.object["hint"] as? String)?.contains("'qs'") == true, "\(reply.body)")
            }
        }
    }

    @Test("RLS applies inside embeddings; writes return embeddings too")
    func rowLevelSecurity() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@embed.test")
            let bob = try await app.signUp(client, email: "bob@embed.test")
            let anon = RESTClient(client: client, apiKey: app.keys.anon)
            let asAlice = anon.with(bearer: alice.token)
            let asBob = anon.with(bearer: bob.token)
            let service = RESTClient(client: client, apiKey: app.keys.serviceRole)

            let task = try #require(try await asAlice.send(
                .post, "action_tasks", json: #"{"title":"save","type":"FINANCE"}"#, prefer: "return=representation").array.first?["id"] as? String)
            let bobTask = try #require(try await asBob.send(
                .post, "action_tasks", json: #"{"title":"bob's","type":"ADMIN"}"#, prefer: "return=representation").array.first?["id"] as? String)
            let habits = try await asAlice.send(
                .post, "habits?select=id,title,action_tasks(title)&columns=%22title%22,%22task_id%22",
                json: #"[{"title":"a","task_id":"\#(task)"},{"title":"b","task_id":null}]"#, prefer: "return=representation")
            #expect(habits.status == .created, "\(habits.body)")
            #expect(habits.array.map { ($0["action_tasks"] as? [String: Any])?["title"] as? String } == ["save", nil])
            let habitA = try #require(habits.array.first?["id"] as? String)
            // Set up by the server (RLS bypassed): a habit of Alice's pointing at Bob's task.
            let crossed = try await service.send(
                .post, "habits", json: #"{"title":"c","user_id":"\#(alice.id)","task_id":"\#(bobTask)"}"#)
            #expect(crossed.status == .created, "\(crossed.body)")

            let completion = try await asAlice.send(
                .post, "habit_completions?select=notes,habits(title,habit_completions(notes))", json: #"{"habit_id":"\#(habitA)","notes":"done"}"#,
                prefer: "return=representation")
            #expect(completion.status == .created, "\(completion.body)")
            let readBack = try #require(completion.array.first?["habits"] as? [String: Any])
            #expect(readBack["title"] as? String == "a")

            let read = try await asAlice.send(.get, "habits?select=title,action_tasks(title),habit_completions(notes)&order=title")
            #expect(read.status == .ok, "\(read.body)")
            #expect(read.array.map { $0["title"] as? String } == ["a", "b", "c"])
            #expect(read.array.map { ($0["action_tasks"] as? [String: Any])?["title"] as? String } == ["save", nil, nil],
                    "Bob's task never shows inside Alice's habit")
            #expect(read.array.map { ($0["habit_completions"] as? [Any])?.count } == [1, 0, 0])

            let inner = try await asAlice.send(.get, "habits?select=title,action_tasks!inner(title)", prefer: "count=exact")
            #expect(inner.array.map { $0["title"] as? String } == ["a"])
            #expect(inner.header("Content-Range") == "0-0/1")

            // The server sees the crossed task; Bob sees nothing of Alice's through embeddings.
            let serviceView = try await service.send(.get, "habits?select=title,action_tasks(title)&title=eq.c")
            #expect((serviceView.array.first?["action_tasks"] as? [String: Any])?["title"] as? String == "bob's")
            let bobView = try await asBob.send(.get, "action_tasks?select=title,habits(title)")
            #expect(bobView.array.count == 1)
            #expect((bobView.array.first?["habits"] as? [Any])?.isEmpty == true)

            // print_orders → print_products (public catalogue) and back, per user.
            let product = try #require(try await anon.send(.get, "print_products?select=id&prodigi_sku=eq.GLOBAL-STK-A4").array.first?["id"] as? String)
            let order = try await asAlice.send(
                .post, "print_orders?select=quantity,print_products(name)",
                json: #"{"product_id":"\#(product)","shipping_address":{"name":"A"},"subtotal":9.99,"shipping":2.99,"total":12.98}"#,
                prefer: "return=representation")
            #expect(order.status == .created, "\(order.body)")
            #expect((order.array.first?["print_products"] as? [String: Any])?["name"] as? String == "Achievement Stickers")
            for (user, expected) in [(asAlice, 1), (asBob, 0)] {
                let reply = try await user.send(.get, "print_products?select=name,print_orders(quantity)&prodigi_sku=eq.GLOBAL-STK-A4")
                #expect(reply.status == .ok, "\(reply.body)")
                #expect((reply.array.first?["print_orders"] as? [Any])?.count == expected)
            }
            // Privileges hold inside embeddings too: anon may read products, not orders.
            let anonOrders = try await anon.send(.get, "print_products?select=name,print_orders(quantity)")
            #expect(anonOrders.status == .unauthorized)
            #expect(anonOrders.code == "42501")

            // A write's own filters pick rows; embeddings in its select read them back.
            let patched = try await asAlice.send(
                .patch, "habits?id=eq.\(habitA)&select=title,habit_completions(notes)", json: #"{"title":"a2"}"#,
                prefer: "return=representation")
            #expect(patched.status == .ok, "\(patched.body)")
            #expect(patched.array.first?["title"] as? String == "a2")
            #expect((patched.array.first?["habit_completions"] as? [[String: Any]])?.first?["notes"] as? String == "done")
            let refused = try await asAlice.send(.delete, "habits?habit_completions=is.null&select=title,habit_completions()")
            #expect(refused.status == .badRequest)
            #expect(try await asAlice.send(.get, "habits").array.count == 3)
        }
    }

    @Test("text/csv: header line, quoted fields, NULL empty, embeddings as JSON")
    func csv() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let reply = try await rest.send(
                .get, "print_products?select=name,size,preview_image_url,base_price&order=sort_order&limit=3", accept: "text/csv")
            #expect(reply.status == .ok, "\(reply.body)")
            #expect(reply.header("Content-Type") == "text/csv; charset=utf-8")
            let lines = reply.body.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first == "name,size,preview_image_url,base_price")
            #expect(lines.count == 4)
            #expect(lines.dropFirst().first == #"Daily Focus Pad,"A5 (5.8""x8.3"")",,14.99"#, "\(reply.body)")
            #expect(reply.body.contains(#""3""x5"" (25 cards)""#), "\(reply.body)")

            let empty = try await rest.send(.get, "print_products?select=name,base_price&name=eq.nothing", accept: "text/csv")
            #expect(empty.body == "name,base_price")

            let embedded = try await rest.send(
                .get, "master_prompt_questions?select=sort_order,motivational_themes(name)&order=sort_order&limit=1", accept: "text/csv")
            #expect(embedded.status == .ok, "\(embedded.body)")
            #expect(embedded.body.hasPrefix("sort_order,motivational_themes\n1,\"{\"\"name\"\":"), "\(embedded.body)")

            let head = try await rest.send(.head, "print_products?select=name", accept: "text/csv")
            #expect(head.status == .ok)
            #expect(head.body.isEmpty)
        }
    }
}
