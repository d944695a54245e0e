import RESTQuery
import Testing

@Suite("ApiRequest values")
struct ApiRequestTests {
    @Test("an embedding is named by its alias, else its target")
    func embeddingName() {
        #expect(Embedding(target: "habits", select: [.star]).name == "habits")
        #expect(Embedding(target: "habits", alias: "h", select: [.star]).name == "h")
    }
}
