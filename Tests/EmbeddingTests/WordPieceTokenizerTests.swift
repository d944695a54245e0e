import Embedding
import Testing

/// The tokeniser's rules on a vocabulary small enough to reason about by hand.
@Suite struct WordPieceTokenizerTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", ",", "world", "!", "un", "##aff", "##able", "cafe", "naive", "東", "京", "a", "##b", "한", "[MASK]"]
        .joined(separator: "\n") + "\n"

    let tokenizer: WordPieceTokenizer

    init() throws { tokenizer = try WordPieceTokenizer(vocabulary: Self.vocabulary) }

    func id(_ token: String) -> Int32 { Int32(Self.vocabulary.split(separator: "\n").firstIndex(of: Substring(token))!) }

    @Test func splitsPunctuationAndLowerCases() {
        #expect(tokenizer.wordPieces("Hello, WORLD!") == [id("hello"), id(","), id("world"), id("!")])
    }

    @Test func greedyLongestMatchWithContinuations() {
        #expect(tokenizer.wordPieces("unaffable") == [id("un"), id("##aff"), id("##able")])
        // A word with a piece that matches nothing is unknown as a whole.
        #expect(tokenizer.wordPieces("unaffablez") == [id("[UNK]")])
    }

    @Test func stripsAccentsAndControlCharacters() {
        #expect(tokenizer.wordPieces("Café\u{0}\u{200B} naïve") == [id("cafe"), id("naive")])
    }

    @Test func spacesOutIdeographs() {
        #expect(tokenizer.wordPieces("東京") == [id("東"), id("京")])
    }

    @Test func comparesScalarsNotCanonicalEquivalence() {
        // NFD turns 한 into three jamo; the reference looks those up and finds nothing.
        #expect(tokenizer.wordPieces("한") == [id("[UNK]")])
    }

    @Test func specialTokensWrittenOutAreTheirIDs() {
        #expect(tokenizer.wordPieces("hello[SEP]world [MASK] [mask]") == [
            id("hello"), id("[SEP]"), id("world"), id("[MASK]"), id("[UNK]"), id("[UNK]"), id("[UNK]"),
        ])
        // Many of them, one pass.
        #expect(tokenizer.wordPieces(String(repeating: "[SEP] [", count: 50_000)).count == 100_000)
    }

    @Test func overlongWordsAreUnknown() {
        #expect(tokenizer.wordPieces(String(repeating: "a", count: 101)) == [id("[UNK]")])
        #expect(tokenizer.wordPieces("a" + String(repeating: "b", count: 99)).count == 100)
    }

    @Test func encodeAddsMarkersAndTruncates() {
        let ids = tokenizer.encode(String(repeating: "hello ", count: 10), maxTokens: 5)
        #expect(ids == [id("[CLS]"), id("hello"), id("hello"), id("hello"), id("[SEP]")])
        #expect(tokenizer.encode("", maxTokens: 5) == [id("[CLS]"), id("[SEP]")])
    }

    @Test func refusesAVocabularyWithoutMarkers() {
        #expect(throws: EmbeddingError.self) { try WordPieceTokenizer(vocabulary: "hello\nworld\n") }
    }
}
