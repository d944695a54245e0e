/// Cuts a source's text into chunks for embedding: about `target` tokens of the model's own
/// tokeniser each, never more than `limit` (so the model's 256-token window never silently drops
/// the end of a chunk), breaking between sentences, starting afresh at every heading, and
/// repeating up to `overlap` tokens of whole sentences from the previous chunk of a section.
public struct Chunker: Sendable {
    public struct Chunk: Sendable, Equatable {
        public let text: String
        public let tokens: Int
        /// The heading the chunk falls under (`main` before the first).
        public let section: String
    }

    public let target: Int
    public let limit: Int
    public let overlap: Int
    /// The most bytes of text one piece (a sentence or part of one) brings to a chunk.
    public let maxCharacters = 2000
    let count: @Sendable (String) -> Int

    public init(target: Int = 200, limit: Int = 250, overlap: Int = 40, count: @escaping @Sendable (String) -> Int) {
        self.target = max(1, target)
        self.limit = max(self.target, limit)
        self.overlap = min(max(0, overlap), self.target / 2)
        self.count = count
    }

    public func chunks(_ text: String) -> [Chunk] {
        var chunks: [Chunk] = []
        for section in Self.sections(text) {
            var current: [(text: String, tokens: Int)] = []
            var tokens = 0
            var bytes = 0
            func flush() {
                guard !current.isEmpty else { return }
                chunks.append(Chunk(text: current.map(\.text).joined(separator: " "), tokens: tokens, section: section.title))
                // Carry whole trailing sentences, up to the overlap (and a few sentences), into the next chunk.
                var carried: [(text: String, tokens: Int)] = []
                var carriedTokens = 0
                for sentence in current.dropFirst().reversed() {
                    guard carriedTokens + sentence.tokens <= overlap, carried.count < 8 else { break }
                    carried.append(sentence)
                    carriedTokens += sentence.tokens
                }
                current = carried.reversed()
                tokens = carriedTokens
                bytes = current.reduce(0) { $0 + $1.text.utf8.count + 1 }
            }
            var fresh = 0
            for sentence in section.sentences.flatMap(pieces) {
                if tokens + sentence.tokens > target || bytes + sentence.text.utf8.count > 4 * maxCharacters, fresh > 0 {
                    flush()
                    fresh = 0
                }
                current.append(sentence)
                tokens += sentence.tokens
                bytes += sentence.text.utf8.count + 1
                fresh += 1
            }
            if fresh > 0 { flush() }
        }
        return chunks
    }

    /// A sentence as it goes into chunks: whole when it fits the target, else cut between words
    /// into pieces of at most the target. Every piece counts at least one token and holds at most
    /// `maxCharacters` (a run of characters the tokeniser drops, or one unknown word, is not free).
    func pieces(_ sentence: String) -> [(text: String, tokens: Int)] {
        let tokens = max(1, count(sentence))
        guard tokens > target || sentence.utf8.count > maxCharacters else { return [(sentence, tokens)] }
        var pieces: [(text: String, tokens: Int)] = []
        var words: [Substring] = []
        var wordsTokens = 0
        var wordsBytes = 0
        for word in sentence.split(whereSeparator: \.isWhitespace) {
            let wordTokens = max(1, count(String(word)))
            if wordsTokens + wordTokens > target || wordsBytes + word.utf8.count > maxCharacters, !words.isEmpty {
                pieces.append((words.joined(separator: " "), wordsTokens))
                words = []
                wordsTokens = 0
                wordsBytes = 0
            }
            if wordTokens > target || word.utf8.count > maxCharacters {
                // One "word" longer than a chunk (a run without spaces): cut it by characters.
                for part in cutByCharacters(String(word)) { pieces.append(part) }
                continue
            }
            words.append(word)
            wordsTokens += wordTokens
            wordsBytes += word.utf8.count + 1
        }
        if !words.isEmpty { pieces.append((words.joined(separator: " "), wordsTokens)) }
        return pieces
    }

    private func cutByCharacters(_ word: String) -> [(text: String, tokens: Int)] {
        var parts: [(text: String, tokens: Int)] = []
        var rest = Substring(word)
        while !rest.isEmpty {
            // Halve until it fits: tokens grow at most one per character.
            var length = min(target, maxCharacters)
            var end = rest.index(rest.startIndex, offsetBy: length, limitedBy: rest.endIndex) ?? rest.endIndex
            var tokens = max(1, count(String(rest[..<end])))
            while tokens > target, length > 1 {
                length /= 2
                end = rest.index(rest.startIndex, offsetBy: length, limitedBy: rest.endIndex) ?? rest.endIndex
                tokens = max(1, count(String(rest[..<end])))
            }
            parts.append((String(rest[..<end]), tokens))
            rest = rest[end...]
        }
        return parts
    }

    struct Section {
        var title: String
        var sentences: [String]
    }

    /// Sections at Markdown headings (`#` to `######`, or a line that is wholly `**bold**`),
    /// each with its heading as its first sentence and its paragraphs split into sentences.
    static func sections(_ text: String) -> [Section] {
        var sections = [Section(title: "main", sentences: [])]
        var paragraph: [String] = []
        func endParagraph() {
            guard !paragraph.isEmpty else { return }
            sections[sections.count - 1].sentences += sentences(paragraph.joined(separator: " "))
            paragraph = []
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmed()
            if line.isEmpty { endParagraph(); continue }
            if let heading = heading(line) {
                endParagraph()
                if sections.count == 1, sections[0].sentences.isEmpty { sections.removeAll() }
                sections.append(Section(title: String(heading.prefix(200)), sentences: [heading]))
                continue
            }
            paragraph.append(line)
        }
        endParagraph()
        return sections.filter { !$0.sentences.isEmpty }
    }

    static func heading(_ line: String) -> String? {
        if line.hasPrefix("#") {
            let hashes = line.prefix { $0 == "#" }.count
            let rest = line.dropFirst(hashes)
            guard hashes <= 6, rest.first == " " else { return nil }
            let title = rest.trimmed()
            return title.isEmpty ? nil : String(title)
        }
        if line.count > 4, line.hasPrefix("**"), line.hasSuffix("**") {
            let title = line.dropFirst(2).dropLast(2)
            return title.contains("**") || title.isEmpty ? nil : String(title)
        }
        return nil
    }

    /// Sentences: a paragraph split after `.`, `!`, `?` (and their run of closing quotes or
    /// brackets) where a space follows.
    static func sentences(_ paragraph: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        var ended = false
        for character in paragraph {
            if ended, character.isWhitespace {
                sentences.append(current)
                current = ""
                ended = false
                continue
            }
            if current.isEmpty, character.isWhitespace { continue }
            current.append(character)
            if ".!?".contains(character) {
                ended = true
            } else if ended, !"\"')]”’".contains(character) {
                ended = false
            }
        }
        if !current.isEmpty { sentences.append(current.trimmed()) }
        return sentences.filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    /// Without leading and trailing white space and control characters.
    func trimmed() -> String {
        let scalars = Array(unicodeScalars)
        func kept(_ scalar: Unicode.Scalar) -> Bool { !(scalar.properties.isWhitespace || scalar.properties.generalCategory == .control) }
        guard let first = scalars.firstIndex(where: kept), let last = scalars.lastIndex(where: kept) else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[first...last])
        return String(view)
    }
}
