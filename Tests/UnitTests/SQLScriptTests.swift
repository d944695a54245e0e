import Database
import Testing

@Suite("SQL script splitting")
struct SQLScriptTests {
    @Test("splits on semicolons outside quotes, comments and dollar-quoted bodies", arguments: [
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("SELECT ';'; SELECT 'it''s; fine'", ["SELECT ';'", "SELECT 'it''s; fine'"]),
        (#"SELECT E'a\';b'; SELECT 2"#, [#"SELECT E'a\';b'"#, "SELECT 2"]),
        (#"SELECT "we;ird" FROM t; SELECT 2"#, [#"SELECT "we;ird" FROM t"#, "SELECT 2"]),
        ("-- a; comment\nSELECT 1; /* b; /* nested; */ c; */ SELECT 2", ["-- a; comment\nSELECT 1", "/* b; /* nested; */ c; */ SELECT 2"]),
        ("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT 3", ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "SELECT 3"]),
        ("DO $body$ BEGIN PERFORM '$$;'; END $body$; SELECT 4", ["DO $body$ BEGIN PERFORM '$$;'; END $body$", "SELECT 4"]),
        ("SELECT $1::int; SELECT a$b FROM t", ["SELECT $1::int", "SELECT a$b FROM t"]),
        ("  ;\n -- only a comment\n ; ", []),
        ("SELECT 1", ["SELECT 1"]),
    ])
    func splits(script: String, expected: [String]) {
        #expect(SQLScript.statements(in: script) == expected)
    }

    @Test("an unterminated string or body swallows the rest rather than splitting inside it")
    func unterminated() {
        #expect(SQLScript.statements(in: "SELECT 'open; SELECT 2") == ["SELECT 'open; SELECT 2"])
        #expect(SQLScript.statements(in: "DO $$ BEGIN; SELECT 1") == ["DO $$ BEGIN; SELECT 1"])
    }
}
