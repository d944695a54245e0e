@testable import Core
import Testing

@Suite("Redirect policy")
struct RedirectPolicyTests {
    let policy = RedirectPolicy(
        publicURL: "https://api.visionary.test",
        patterns: ["https://app.visionary.test/**", "https://*.preview.visionary.test/*", "http://localhost:3000/**"])

    @Test("the public URL and what lies under it are allowed")
    func publicURL() {
        for url in ["https://api.visionary.test", "https://api.visionary.test/", "https://API.visionary.test/auth/done?x=1#y"] {
            #expect(policy.allowed(url) == url, "\(url)")
        }
        #expect(policy.allowed("https://api.visionary.test.evil.test/") == nil)
        #expect(policy.allowed("https://api.visionary.testevil/") == nil)
    }

    @Test("patterns: ** crosses separators, * and ? do not")
    func patterns() {
        let allowed = [
            "https://app.visionary.test/", "https://app.visionary.test/a/b/c.html?next=/x", "https://pr-12.preview.visionary.test/welcome",
            "http://localhost:3000/", "http://localhost:3000/deep/path",
        ]
        for url in allowed { #expect(policy.allowed(url) == url, "\(url)") }
        let refused = [
            "https://app.visionary.test.evil.test/", "https://evil.test/https://app.visionary.test/",
            "https://a.b.preview.visionary.test/welcome", "https://pr-12.preview.visionary.test/a/b",
            "http://localhost:3001/", "javascript:alert(1)", "//app.visionary.test/", "https://app.visionary.test@evil.test/",
            "https://user:pass@app.visionary.test/", "https://app.visionary.test/\r\nSet-Cookie: x", "ftp://app.visionary.test/",
            "https://app.visionary.test/" + String(repeating: "a", count: 3_000),
        ]
        for url in refused { #expect(policy.allowed(url) == nil, "\(url)") }
    }

    @Test("a refused URL falls back to the public URL")
    func destination() {
        #expect(policy.destination("https://evil.test/") == "https://api.visionary.test")
        #expect(policy.destination(nil) == "https://api.visionary.test")
        #expect(policy.destination("https://app.visionary.test/x") == "https://app.visionary.test/x")
    }

    @Test("globs: ? is one non-separator, a literal must match exactly, an empty pattern only the empty text")
    func globs() {
        #expect(RedirectPolicy.glob("a?c", matches: "abc"))
        #expect(!RedirectPolicy.glob("a?c", matches: "a/c"))
        #expect(RedirectPolicy.glob("**", matches: "a/b.c"))
        #expect(RedirectPolicy.glob("https://**/*.png", matches: "https://a/b/c.png"))
        #expect(!RedirectPolicy.glob("https://*/*.png", matches: "https://a/b/c.png"))
        #expect(RedirectPolicy.glob("", matches: ""))
        #expect(!RedirectPolicy.glob("", matches: "x"))
        #expect(!RedirectPolicy.glob("abc", matches: "abcd"))
    }
}
