import HTTPSupport
import HTTPTypes
import Testing

@Suite("Header values read on every request")
struct HeaderValueTests {
    @Test("one field's value as sent; several joined as the subscript joins them; names without regard to case")
    func values() {
        var fields = HTTPFields()
        fields.append(HTTPField(name: HTTPField.Name("APIKey")!, value: "k1"))
        fields.append(HTTPField(name: .authorization, value: "Bearer a"))
        fields.append(HTTPField(name: .authorization, value: "Bearer b"))
        #expect(fields.value(of: HTTPField.Name("apikey")!) == "k1")
        #expect(fields.value(of: .authorization) == "Bearer a, Bearer b")
        #expect(fields.value(of: .authorization) == fields[.authorization])
        #expect(fields.value(of: .cookie) == nil)
        #expect(HTTPFields().value(of: .authorization) == nil)
    }
}
