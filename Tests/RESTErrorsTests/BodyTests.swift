import Foundation
import RESTErrors
import Testing

/// A message and the JSON string the body must carry for it.
struct EscapeCase: Sendable, CustomTestStringConvertible {
    let text: String
    let json: String
    let testDescription: String

    init(_ name: String, _ text: String, _ json: String) {
        self.text = text
        self.json = json
        self.testDescription = name
    }
}

let escapeCases: [EscapeCase] = [
    .init("plain", "plain", #""plain""#),
    .init("double quotes", #"relation "public.x" does not exist"#, #""relation \"public.x\" does not exist""#),
    .init("backslash", #"C:\temp\n"#, #""C:\\temp\\n""#),
    .init("newline", "line one\nline two", #""line one\nline two""#),
    .init("carriage return and tab", "a\r\tb", #""a\r\tb""#),
    .init("other control characters", "\u{0}\u{1}\u{8}\u{c}\u{1f}", #""\u0000\u0001\u0008\u000c\u001f""#),
    .init("slash and DEL stay", "a/b\u{7f}", "\"a/b\u{7f}\""),
    .init("non-ASCII stays UTF-8", "café – 日本 👩‍💻", "\"café – 日本 👩‍💻\""),
    .init("line separators stay", "\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
    .init("everything at once", "\"\\\n", #""\"\\\n""#),
]

@Suite("Error body")
struct BodyTests {
    @Test("strings are escaped like PostgREST's encoder escapes them", arguments: escapeCases)
    func escaping(_ row: EscapeCase) throws {
        let error = RESTError(status: 400, code: "P0001", message: row.text, details: row.text, hint: row.text)
        #expect(error.body == #"{"code":"P0001","details":"# + row.json + #","hint":"# + row.json
            + #","message":"# + row.json + "}")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(error.body.utf8)) as? [String: String])
        #expect(decoded == ["code": "P0001", "details": row.text, "hint": row.text, "message": row.text])
    }

    @Test("absent details and hint are null")
    func nulls() {
        #expect(RESTError.columnNotFound("x", relation: "t").body
            == #"{"code":"PGRST204","details":null,"hint":null,"message":"Could not find the 'x' column of 't' in the schema cache"}"#)
    }

    @Test("details only, hint only")
    func partial() {
        #expect(RESTError.singularity(rowCount: 3).body
            == #"{"code":"PGRST116","details":"The result contains 3 rows","hint":null,"message":"Cannot coerce the result to a single JSON object"}"#)
        #expect(RESTError.unacceptableSchema("x", exposed: ["public"]).body
            == #"{"code":"PGRST106","details":null,"hint":"Only the following schemas are exposed: public","message":"Invalid schema: x"}"#)
    }

    @Test("PGRST201's details are a JSON array, escaped inside")
    func ambiguousDetails() throws {
        let error = RESTError.ambiguousRelationship(parent: "a\"b", child: "c", candidates: [
            .manyToOne(constraint: "fk\"1", table: "a\"b", columns: ["x"], foreignTable: "c", foreignColumns: ["y"]),
        ])
        #expect(error.detailsIsJSON)
        #expect(error.body.contains(#""details":[{"cardinality":"many-to-one","embedding":"a\"b with c","relationship":"fk\"1 using a\"b(x) and c(y)"}]"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(error.body.utf8)) as? [String: Any])
        let details = try #require(object["details"] as? [[String: String]])
        #expect(details == [[
            "cardinality": "many-to-one", "embedding": "a\"b with c", "relationship": "fk\"1 using a\"b(x) and c(y)",
        ]])
        #expect(object["hint"] as? String
            == "Try changing 'c' to one of the following: 'c!fk\"1'. Find the desired relationship in the 'details' key.")
    }

    @Test("text details are never embedded raw, even when they look like JSON")
    func textDetailsStayText() {
        let error = RESTError(status: 400, code: "P0001", message: "m", details: "[1,2]")
        #expect(!error.detailsIsJSON)
        #expect(error.body.contains(#""details":"[1,2]""#))
    }

    @Test("the WWW-Authenticate description is a quoted-string")
    func quotedDescription() {
        #expect(RESTError.jwt(.unexpectedParts(1)).headers.first?.value
            == #"Bearer error="invalid_token", error_description="Expected 3 parts in JWT; got 1""#)
        #expect(RESTError.jwt(.audNotStringOrArray).headers.first?.value
            == #"Bearer error="invalid_token", error_description="The JWT 'aud' claim must be a string or an array of strings""#)
    }
}
