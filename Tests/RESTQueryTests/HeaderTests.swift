@testable import RESTQuery
import Testing

@Suite("Prefer, Accept, profiles")
struct HeaderTests {
    static func preferences(_ values: [String]) -> Preferences {
        Preferences(headerValues: values)
    }

    static func expected(_ build: (inout Preferences) -> Void) -> Preferences {
        var preferences = Preferences()
        build(&preferences)
        return preferences
    }

    static let preferCases: [([String], Preferences)] = [
        ([], Preferences()),
        ([""], Preferences()),
        (["return=minimal"], expected { $0.return = .minimal }),
        (["return=headers-only"], expected { $0.return = .headersOnly }),
        (["return=representation"], expected { $0.return = .representation }),
        (["count=exact"], expected { $0.count = .exact }),
        (["count=planned"], expected { $0.count = .planned }),
        (["count=estimated"], expected { $0.count = .estimated }),
        (["resolution=merge-duplicates"], expected { $0.resolution = .mergeDuplicates }),
        (["resolution=ignore-duplicates"], expected { $0.resolution = .ignoreDuplicates }),
        (["missing=default"], expected { $0.missing = .default }),
        (["missing=null"], expected { $0.missing = .null }),
        (["tx=commit"], expected { $0.transaction = .commit }),
        (["tx=rollback"], expected { $0.transaction = .rollback }),
        (["handling=lenient"], expected { $0.handling = .lenient }),
        (["handling=strict"], expected { $0.handling = .strict }),
        (["max-affected=5"], expected { $0.maxAffected = 5 }),
        (["timezone=America/Los_Angeles"], expected { $0.timezone = "America/Los_Angeles" }),
        // py joins with ",", js with ", ".
        (["return=representation,resolution=merge-duplicates"], expected {
            $0.return = .representation
            $0.resolution = .mergeDuplicates
        }),
        (["return=representation,count=exact,resolution=ignore-duplicates,missing=default"], expected {
            $0.return = .representation
            $0.count = .exact
            $0.resolution = .ignoreDuplicates
            $0.missing = .default
        }),
        (["resolution=merge-duplicates, return=representation, tx=rollback"], expected {
            $0.resolution = .mergeDuplicates
            $0.return = .representation
            $0.transaction = .rollback
        }),
        (["count=exact,    tx=commit   ,return=representation , missing=default, handling=strict, anything"], expected {
            $0.count = .exact
            $0.transaction = .commit
            $0.return = .representation
            $0.missing = .default
            $0.handling = .strict
            $0.unrecognised = ["anything"]
        }),
        // Several headers.
        (["count=exact", "tx=rollback"], expected {
            $0.count = .exact
            $0.transaction = .rollback
        }),
        // The first occurrence wins, within a header and across headers.
        (["tx=commit, tx=rollback"], expected { $0.transaction = .commit }),
        (["resolution=ignore-duplicates", "resolution=merge-duplicates"], expected { $0.resolution = .ignoreDuplicates }),
        (["return=minimal,return=representation", "return=headers-only"], expected { $0.return = .minimal }),
        (["max-affected=5,max-affected=7"], expected { $0.maxAffected = 5 }),
        // Unknown preferences and values are kept as written.
        (["params=single-object"], expected { $0.unrecognised = ["params=single-object"] }),
        (["return=everything, count=exact"], expected {
            $0.unrecognised = ["return=everything"]
            $0.count = .exact
        }),
        (["Return=minimal"], expected { $0.unrecognised = ["Return=minimal"] }),
        (["max-affected=-1", "max-affected=x", "max-affected="], expected { $0.unrecognised = ["max-affected=-1", "max-affected=x", "max-affected="] }),
        (["timezone="], expected { $0.unrecognised = ["timezone="] }),
        (["count=exact,,", " , "], expected { $0.count = .exact }),
    ]

    @Test("Prefer", arguments: preferCases)
    func prefer(values: [String], expected: Preferences) {
        #expect(Self.preferences(values) == expected)
    }

    @Test("Prefer header names are case-insensitive and every header counts")
    func preferHeaders() throws {
        let parsed = try #require(headerRequest(headers: [("prefer", "count=exact"), ("PREFER", "tx=rollback"), ("Prefer", "count=planned")]))
        #expect(parsed.preferences.count == .exact)
        #expect(parsed.preferences.transaction == .rollback)
    }

    static let acceptCases: [([String], MediaType)] = [
        ([], .json),
        ([""], .json),
        (["*/*"], .json),
        (["application/json"], .json),
        (["application/json; charset=utf-8"], .json),
        (["Application/JSON"], .json),
        (["application/vnd.pgrst.object+json"], .singleObject),
        (["application/vnd.pgrst.object+json; charset=utf-8"], .singleObject),
        (["application/vnd.pgrst.object"], .singleObject),
        (["application/vnd.pgrst.array+json"], .json),
        (["text/csv"], .csv),
        (["text/csv; charset=utf-8"], .csv),
        (["application/vnd.pgrst.array+json;nulls=stripped"], .jsonStrippedNulls(single: false)),
        (["application/vnd.pgrst.array+json; nulls=stripped"], .jsonStrippedNulls(single: false)),
        (["application/vnd.pgrst.object+json;nulls=stripped"], .jsonStrippedNulls(single: true)),
        (["application/vnd.pgrst.object+json;nulls=\"stripped\""], .jsonStrippedNulls(single: true)),
        (["application/vnd.pgrst.object+json;nulls=kept"], .singleObject),
        // Lists: the first supported, by q-value, ties in order.
        (["application/geo+json, application/json"], .json),
        (["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"], .json),
        (["application/json;q=0.5, text/csv"], .csv),
        (["text/csv;q=0.2, application/vnd.pgrst.object+json;q=0.9"], .singleObject),
        (["text/csv;q=0, application/json;q=0.1"], .json),
        (["application/json, text/csv"], .json),
        (["text/csv", "application/json"], .csv),
        // Nothing supported.
        (["application/geo+json"], .unsupported("application/geo+json")),
        (["text/plain"], .unsupported("text/plain")),
        (["application/vnd.pgrst.plan+text; for=\"application/json\"; options=drop"],
         .unsupported("application/vnd.pgrst.plan+text; for=\"application/json\"; options=drop")),
        (["application/vnd.pgrst.plan; for=\"text/xml\""], .unsupported("application/vnd.pgrst.plan; for=\"text/xml\"")),
        (["application/json;q=0"], .unsupported("application/json;q=0")),
        (["application/openapi+json"], .unsupported("application/openapi+json")),
        (["text/xml", "image/png"], .unsupported("text/xml, image/png")),
    ]

    @Test("Accept", arguments: acceptCases)
    func accept(values: [String], expected: MediaType) throws {
        let parsed = try #require(headerRequest(headers: values.map { ("Accept", $0) }))
        #expect(parsed.mediaType == expected)
    }

    @Test("the OpenAPI media type is accepted for the schema description")
    func openAPI() {
        #expect(headerRequest("GET", "/", headers: [("accept", "application/openapi+json")])?.mediaType == .json)
    }

    @Test("Accept-Profile for GET and HEAD, Content-Profile for the other verbs", arguments: [
        ("GET", "/t", "reporting"), ("HEAD", "/t", "reporting"), ("GET", "/rpc/f", "reporting"), ("GET", "/", "reporting"),
        ("POST", "/t", "billing"), ("PATCH", "/t", "billing"), ("PUT", "/t", "billing"), ("DELETE", "/t", "billing"),
        ("POST", "/rpc/f", "billing"),
    ])
    func profiles(method: String, path: String, profile: String) throws {
        // py sends both headers on every request.
        let headers = [("Accept-Profile", "reporting"), ("Content-Profile", "billing")]
        let parsed = try #require(headerRequest(method, path, headers: headers, body: "{}"))
        #expect(parsed.profile == profile)
        #expect(headerRequest(method, path, headers: [], body: "{}")?.profile == nil)
        #expect(headerRequest(method, path, headers: [("accept-profile", " "), ("content-profile", "")], body: "{}")?.profile == nil)
    }

    @Test("profile header names are case-insensitive and values trimmed")
    func profileCase() {
        #expect(headerRequest(headers: [("ACCEPT-PROFILE", " public ")])?.profile == "public")
    }
}

private func headerRequest(
    _ method: String = "GET", _ path: String = "/t", headers: [(String, String)], body: String? = nil
) -> ApiRequest? {
    let hasBody = ["POST", "PATCH", "PUT"].contains(method)
    switch parseRequest(method, path, query: "", headers: headers, body: hasBody ? body : nil) {
    case .success(let request): return request
    case .failure(let error):
        Issue.record("\(error)")
        return nil
    }
}
