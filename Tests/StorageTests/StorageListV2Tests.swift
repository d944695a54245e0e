import Foundation
import HTTPTypes
import Testing
import TestSupport

/// `POST /object/list-v2/{bucket}` as Supabase Storage answers it: flat or one level with
/// folders, full names, cursors that continue in the same order, only readable rows.
@Suite("Storage: list-v2")
struct StorageListV2Tests {
    static func names(_ reply: Reply, _ member: String) -> [String] {
        (reply.object[member] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    @Test("flat and delimited listings, full names and keys, cursors through every page in each order, the attacker's side")
    func listing() async throws {
        try await StorageHarness.run(.local) { h in
            let user = try await h.signUp("lister2@storage.test")
            let other = try await h.signUp("other2@storage.test")
            let base = "\(user.id)/dir"
            let uploaded = ["b.txt", "a.txt", "C.txt", "sub/x.txt", "sub/deeper/y.txt", "other/z.txt", "a_b.txt", "axb.txt"]
            for name in uploaded {
                #expect(try await h.upload("documents", "\(base)/\(name)", Array(name.utf8), bearer: user.token).status == .ok)
            }
            #expect(try await h.upload("documents", "\(other.id)/dir/secret.txt", [1], bearer: other.token).status == .ok)

            // Flat: every object under the prefix, full names, bytewise order, no folders.
            let flat = try await h.json(.post, "object/list-v2/documents", bearer: user.token, #"{"prefix":"\#(base)/"}"#)
            #expect(flat.status == .ok, "\(flat.text)")
            #expect(Self.names(flat, "objects") == ["C.txt", "a.txt", "a_b.txt", "axb.txt", "b.txt", "other/z.txt", "sub/deeper/y.txt", "sub/x.txt"].map { "\(base)/\($0)" })
            #expect(Self.names(flat, "folders").isEmpty && flat.object["hasNext"] as? Bool == false && flat.object["nextCursor"] == nil)
            let object = try #require((flat.object["objects"] as? [[String: Any]])?.first)
            #expect(object["id"] is String && (object["metadata"] as? [String: Any])?["size"] as? Int == 5 && object["key"] == nil)

            // Delimited: one level, folders with a trailing slash and null ids, keys relative to the prefix.
            let level = try await h.json(.post, "object/list-v2/documents", bearer: user.token, #"{"prefix":"\#(base)/","with_delimiter":true}"#)
            #expect(Self.names(level, "objects") == ["C.txt", "a.txt", "a_b.txt", "axb.txt", "b.txt"].map { "\(base)/\($0)" })
            #expect(Self.names(level, "folders") == ["\(base)/other/", "\(base)/sub/"])
            let folder = try #require((level.object["folders"] as? [[String: Any]])?.last)
            #expect(folder["id"] is NSNull && folder["key"] as? String == "sub")
            #expect((level.object["objects"] as? [[String: Any]])?.first?["key"] as? String == "C.txt")
            let noSlash = try await h.json(.post, "object/list-v2/documents", bearer: user.token, #"{"prefix":"\#(base)/su","with_delimiter":true}"#)
            #expect(Self.names(noSlash, "folders") == ["\(base)/sub/"] && Self.names(noSlash, "objects").isEmpty)
            let literal = try await h.json(.post, "object/list-v2/documents", bearer: user.token, #"{"prefix":"\#(base)/a_"}"#)
            #expect(Self.names(literal, "objects") == ["\(base)/a_b.txt"], "_ in a prefix is literal")

            // Pages of 2 in each order: every entry once, in order; the cursor keeps its order.
            for (sort, expected) in [
                (#"{"column":"name","order":"desc"}"#, Self.names(flat, "objects").reversed()),
                (#"{"column":"created_at","order":"asc"}"#, uploaded.map { "\(base)/\($0)" }),
            ] {
                var seen: [String] = [], cursor: String?, pages = 0
                repeat {
                    let body = #"{"prefix":"\#(base)/","limit":2,"sortBy":\#(sort)"# + (cursor.map { #","cursor":"\#($0)""# } ?? "") + "}"
                    let page = try await h.json(.post, "object/list-v2/documents", bearer: user.token, body)
                    #expect(page.status == .ok, "\(page.text)")
                    seen += Self.names(page, "objects")
                    cursor = page.object["nextCursor"] as? String
                    #expect((page.object["hasNext"] as? Bool) == (cursor != nil))
                    pages += 1
                } while cursor != nil && pages < 10
                #expect(seen == Array(expected), "\(sort): \(seen)")
            }

            // The attacker's side: other users' rows never listed; bad input is 400, never 500.
            #expect(!Self.names(try await h.json(.post, "object/list-v2/documents", bearer: user.token, #"{"prefix":""}"#), "objects").contains { $0.hasPrefix(other.id) })
            #expect(Self.names(try await h.json(.post, "object/list-v2/documents", bearer: nil, #"{"prefix":""}"#), "objects").isEmpty)
            for body in [#"{"limit":0}"#, #"{"limit":1e300}"#, #"{"limit":"x"}"#, #"{"sortBy":{"column":"size"}}"#, #"{"sortBy":{"column":"name","order":"up"}}"#,
                         #"{"cursor":"not base64!"}"#, #"{"cursor":"\#(Data("o:asc".utf8).base64EncodedString())"}"#,
                         #"{"cursor":"\#(Data("l:a\no:asc\nc:created_at\na:soon".utf8).base64EncodedString())"}"#,
                         #"{"with_delimiter":"yes"}"#, #"{"prefix":7}"#] {
                let reply = try await h.json(.post, "object/list-v2/documents", bearer: user.token, body)
                #expect(reply.status == .badRequest, "\(body): \(reply.status) \(reply.text)")
            }
            // An object and a folder of the same name are two entries, on pages of one, either way.
            for name in ["same/docs", "same/docs/a.txt"] {
                #expect(try await h.upload("documents", "\(user.id)/\(name)", [1], bearer: user.token).status == .ok)
            }
            for order in ["asc", "desc"] {
                var entries: [String] = [], cursor: String?, pages = 0
                repeat {
                    let body = #"{"prefix":"\#(user.id)/same/","with_delimiter":true,"limit":1,"sortBy":{"column":"name","order":"\#(order)"}"#
                        + (cursor.map { #","cursor":"\#($0)""# } ?? "") + "}"
                    let page = try await h.json(.post, "object/list-v2/documents", bearer: user.token, body)
                    entries += Self.names(page, "objects") + Self.names(page, "folders")
                    cursor = page.object["nextCursor"] as? String
                    pages += 1
                } while cursor != nil && pages < 5
                #expect(entries.sorted() == ["\(user.id)/same/docs", "\(user.id)/same/docs/"], "\(order): \(entries)")
            }
            let capped = try await h.json(.post, "object/list-v2/documents", bearer: user.token, #"{"limit":100000}"#)
            #expect(capped.status == .ok, "a limit above 1000 is 1000")
        }
    }
}
