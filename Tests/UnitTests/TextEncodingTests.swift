import Core
import Testing

@Suite("Text encodings")
struct TextEncodingTests {
    @Test("hex is two lower-case digits per byte")
    func hex() {
        #expect([UInt8]([0x00, 0x0f, 0xa0, 0xff]).hexString == "000fa0ff")
        #expect([UInt8]().hexString == "")
    }

    @Test("JSON string literals escape quotes, backslashes and control characters only", arguments: [
        ("plain", #""plain""#), (#"a"b\c"#, #""a\"b\\c""#), ("l1\nl2\r\t", #""l1\nl2\r\t""#),
        ("\u{01}\u{1f}", #""\u0001\u001f""#), ("é/€", #""é/€""#),
    ])
    func json(text: String, expected: String) {
        #expect(text.jsonQuoted == expected)
    }
}
