import Foundation

/// BERT's uncased tokeniser, as all-MiniLM-L6-v2 was trained with: the basic step (drop control
/// characters, space out CJK ideographs, split on whitespace, lower-case, strip accents, split
/// off punctuation) and then greedy longest-match-first WordPiece over `vocab.txt`.
///
/// Works on Unicode scalars, never on `String` equality: Swift compares strings by canonical
/// equivalence, which would let a decomposed Hangul syllable match its precomposed vocabulary
/// entry where the reference tokeniser does not.
public struct WordPieceTokenizer: Sendable {
    public let classifierID: Int32
    public let separatorID: Int32
    public let unknownID: Int32
    /// The number of vocabulary entries (every id is below it).
    public let size: Int
    /// Vocabulary entries by their UTF-8 bytes; `##` continuations are kept under a key of
    /// their own, so a lookup never builds the prefixed string.
    private let wordStarts: [[UInt8]: Int32]
    private let continuations: [[UInt8]: Int32]
    /// Words longer than this many scalars become `[UNK]` whole.
    private let maxWordScalars = 100
    /// `[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]` as the vocabulary has them.
    private let specialTokens: [(String, Int32)]

    public init(vocabulary: String) throws {
        var starts: [[UInt8]: Int32] = [:]
        var continuations: [[UInt8]: Int32] = [:]
        var lines = vocabulary.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        self.size = lines.count
        for (index, line) in lines.enumerated() {
            let entry = line.hasSuffix("\r") ? line.dropLast() : line
            let bytes = Array(entry.utf8)
            // A later duplicate wins, as in the reference's dictionary.
            if bytes.count > 2, bytes[0] == UInt8(ascii: "#"), bytes[1] == UInt8(ascii: "#") {
                continuations[Array(bytes.dropFirst(2))] = Int32(index)
            } else {
                starts[bytes] = Int32(index)
            }
        }
        func required(_ token: String) throws -> Int32 {
            guard let id = starts[Array(token.utf8)] else { throw EmbeddingError.invalidModel("vocab.txt lacks \(token)") }
            return id
        }
        self.wordStarts = starts
        self.continuations = continuations
        self.classifierID = try required("[CLS]")
        self.separatorID = try required("[SEP]")
        self.unknownID = try required("[UNK]")
        self.specialTokens = ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"].compactMap { token in starts[Array(token.utf8)].map { (token, $0) } }
    }

    /// The model's input for `text`: `[CLS]`, the word pieces, `[SEP]`, at most `maxTokens` in all
    /// (the pieces past the limit are dropped, as the reference does).
    public func encode(_ text: String, maxTokens: Int) -> [Int32] {
        let pieces = wordPieces(text)
        let room = max(0, maxTokens - 2)
        return [classifierID] + pieces.prefix(room) + [separatorID]
    }

    /// How many word pieces `text` becomes (without `[CLS]` and `[SEP]`).
    public func count(_ text: String) -> Int { wordPieces(text).count }

    /// The word-piece ids of `text`. The special tokens written out (`[SEP]`, `[MASK]`, …) are
    /// their own ids, as in the reference's tokeniser. One pass: each `[` is compared with the
    /// special tokens where it stands.
    public func wordPieces(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        let utf8 = text.utf8
        var segmentStart = utf8.startIndex
        var index = utf8.startIndex
        while let open = utf8[index...].firstIndex(of: UInt8(ascii: "[")) {
            let rest = utf8[open...]
            if let (token, id) = specialTokens.first(where: { rest.starts(with: $0.0.utf8) }) {
                for word in basicWords(String(text[segmentStart..<open])) { appendPieces(of: word, to: &ids) }
                ids.append(id)
                index = utf8.index(open, offsetBy: token.utf8.count)
                segmentStart = index
            } else {
                index = utf8.index(after: open)
            }
        }
        for word in basicWords(String(text[segmentStart...])) { appendPieces(of: word, to: &ids) }
        return ids
    }

    // MARK: - The basic step

    /// Words after cleaning, CJK spacing, lower-casing, accent stripping and punctuation splitting.
    func basicWords(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current = ""
        func flush() {
            guard !current.isEmpty else { return }
            appendNormalised(current, to: &words)
            current = ""
        }
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                flush()
            } else if Self.isCJK(scalar) {
                flush()
                words.append([scalar])
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        flush()
        return words
    }

    /// Lower-cases and strips accents from one whitespace-separated token, then splits it on
    /// punctuation (each punctuation scalar a word of its own).
    private func appendNormalised(_ token: String, to words: inout [[Unicode.Scalar]]) {
        // Lower-cased scalar by scalar (no final-sigma rule), as the reference does.
        var lowered = ""
        for scalar in token.unicodeScalars { lowered += scalar.properties.lowercaseMapping }
        let folded = lowered.decomposedStringWithCanonicalMapping
        var word: [Unicode.Scalar] = []
        for scalar in folded.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if Self.isPunctuation(scalar) {
                if !word.isEmpty { words.append(word); word = [] }
                words.append([scalar])
            } else {
                word.append(scalar)
            }
        }
        if !word.isEmpty { words.append(word) }
    }

    // MARK: - WordPiece

    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int32]) {
        guard word.count <= maxWordScalars else { ids.append(unknownID); return }
        // UTF-8 offset of each scalar boundary, so candidate pieces are byte slices.
        var bytes: [UInt8] = []
        var boundaries = [0]
        for scalar in word {
            bytes.append(contentsOf: UTF8.encode(scalar).map(Array.init) ?? [])
            boundaries.append(bytes.count)
        }
        var found: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var match: Int32?
            while end > start {
                let piece = Array(bytes[boundaries[start]..<boundaries[end]])
                match = start == 0 ? wordStarts[piece] : continuations[piece]
                if match != nil { break }
                end -= 1
            }
            guard let id = match else { ids.append(unknownID); return }
            found.append(id)
            start = end
        }
        ids.append(contentsOf: found)
    }

    // MARK: - Character classes (as BERT's reference tokeniser defines them)

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": return true
        default: return scalar.properties.generalCategory == .spaceSeparator
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
