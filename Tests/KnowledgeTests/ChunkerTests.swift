import Foundation
import Knowledge
import Testing

/// The chunker on its own, with a word-counting tokeniser stand-in (one token per word, per
/// punctuation mark, none for invisible characters), so every expectation can be checked by hand.
@Suite struct ChunkerTests {
    static let count: @Sendable (String) -> Int = { text in
        text.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).reduce(0) { total, word in
            total + word.filter { $0.properties.generalCategory != .format }.count.signum()
        }
    }

    let chunker = Chunker(target: 20, limit: 25, overlap: 6, count: Self.count)

    @Test func breaksBetweenSentencesAndAtHeadings() {
        let text = "# Mornings\n\nI run at dawn. I stretch after. I shower.\n\n## Evenings\n\nI read a book before bed."
        let chunks = chunker.chunks(text)
        #expect(chunks.map(\.section) == ["Mornings", "Evenings"])
        #expect(chunks[0].text == "Mornings I run at dawn. I stretch after. I shower.")
        #expect(chunks[1].text == "Evenings I read a book before bed.")
    }

    @Test func packsToTheTargetWithOverlapOfWholeSentences() {
        let sentence = (1...5).map { "w\($0)" }.joined(separator: " ") + "."
        let chunks = chunker.chunks(Array(repeating: sentence, count: 12).joined(separator: " "))
        #expect(chunks.count > 2)
        #expect(chunks.allSatisfy { $0.tokens <= 20 && Self.count($0.text) == $0.tokens })
        // Each chunk after the first starts with the previous chunk's last sentence.
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            #expect(next.text.hasPrefix(sentence) && previous.text.hasSuffix(sentence))
        }
    }

    @Test func cutsLongSentencesAndRunsWithoutSpaces() {
        let long = (1...70).map { "word\($0)" }.joined(separator: " ")
        let run = String(repeating: "x", count: 10_000)
        let chunks = chunker.chunks(long + ". " + run)
        #expect(chunks.allSatisfy { $0.tokens <= 25 && $0.text.utf8.count <= 4 * chunker.maxCharacters + 2 })
        #expect(chunks.map(\.text).joined(separator: " ").filter { $0 == "x" }.count >= 10_000, "nothing dropped (the overlap repeats some)")
        #expect(chunks.map(\.text).joined(separator: " ").contains("word70"))
    }

    @Test func invisibleTextStaysLinearAndBounded() {
        // Paragraphs the tokeniser counts as nothing: each still costs a token, and the work is linear.
        let text = String(repeating: "\u{200B}\n\n", count: 20_000)
        let chunks = chunker.chunks(text)
        #expect(!chunks.isEmpty && chunks.allSatisfy { $0.tokens <= 20 })
    }
}

@Suite struct SourceTextTests {
    @Test func stripsHTML() {
        let html = "<html><head><title>x</title><style>p{color:red}</style></head><body><!-- note --><h2>Plan</h2><p>Save &amp; invest &#8364;5&nbsp;a day.</p><script>alert(1)</script><ul><li>one</li><li>two</li></ul></body></html>"
        #expect(HTMLText.text(html) == "## Plan\n\nSave & invest €5 a day.\n\n- one\n\n- two")
        #expect(HTMLText.text("a < b and <unclosed") == "a < b and <unclosed")
        #expect(HTMLText.text("&bogus; &#xZZ; &") == "&bogus; &#xZZ; &")
    }

    @Test func detectsFormats() {
        #expect(SourceFormat.detect(fileType: nil, name: "x.bin", bytes: Array("%PDF-1.7".utf8)) == .pdf)
        #expect(SourceFormat.detect(fileType: "text/html", name: nil, bytes: []) == .html)
        #expect(SourceFormat.detect(fileType: nil, name: "notes.md", bytes: []) == .markdown)
        #expect(SourceFormat.detect(fileType: nil, name: "x", bytes: [0xFF, 0xFE, 0x00]) == nil)
        // A prefix that cuts a character in two is still text.
        #expect(SourceFormat.detect(fileType: nil, name: "x", bytes: Array("café".utf8).dropLast()) == .text)
    }
}
