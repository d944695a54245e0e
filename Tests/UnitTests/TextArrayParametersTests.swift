import Core
import Testing

@Suite("Statements with text-array parameters")
struct TextArrayParametersTests {
    @Test("placeholders become typed array elements; quoted text, comments and words are left alone")
    func rewrites() throws {
        let statement = SQLStatement(
            #"SELECT $1::uuid, $2, $3, '$1 it''s', "a$2" , x$1, $4 -- $2"# + "\n"
                + #"/* $3 */ $$ $1 $$, $tag$ $2 $tag$, $5, $6::jsonb, $10"#,
            [.text("u"), .int(7), .bool(true), .null, .textArray(["a", #"b"c\d"#, ""]), .json(#"{"k":1}"#),
             .null, .null, .null, .text("ten")])
        let rewritten = try #require(statement.withTextArrayParameters())
        #expect(rewritten.sql == #"SELECT ($1[1])::uuid, ($1[2])::int8, ($1[3])::boolean, '$1 it''s', "a$2" , x$1, NULL -- $2"# + "\n"
            + #"/* $3 */ $$ $1 $$, $tag$ $2 $tag$, ($1[5])::text[], ($1[6])::jsonb, ($1[10])"#)
        #expect(rewritten.parameters == ["u", "7", "true", "", #"{"a","b\"c\\d",""}"#, #"{"k":1}"#, "", "", "", "ten"])
    }

    @Test("a placeholder beyond the bound values makes the statement unusable")
    func outOfRange() {
        #expect(SQLStatement("SELECT $2", [.text("a")]).withTextArrayParameters() == nil)
        #expect(SQLStatement("SELECT $0", []).withTextArrayParameters() == nil)
    }
}
