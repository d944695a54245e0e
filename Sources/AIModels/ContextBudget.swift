/// Fits what a model is told into a budget of tokens: every piece has a relevance and a cost,
/// the required pieces always go in, and the others go in from the most relevant down while
/// they fit, so the least relevant are the ones dropped. Pieces keep their given order in the
/// result, whatever order they were chosen in.
public struct ContextBudget: Sendable {
    /// One piece of context.
    public struct Piece: Sendable, Equatable {
        /// What the piece is, for the caller to tell them apart (`knowledge`, `habit`, `history`, …).
        public let kind: String
        public let text: String
        /// Higher is kept first; `nil` means required.
        public let relevance: Double?

        public init(kind: String, text: String, relevance: Double?) {
            self.kind = kind
            self.text = text
            self.relevance = relevance
        }

        public var tokens: Int { ContextBudget.estimateTokens(text) }
    }

    public let tokens: Int

    public init(tokens: Int) {
        self.tokens = max(0, tokens)
    }

    /// A model-independent estimate of a text's tokens: one for each four bytes of UTF-8, at
    /// least one (close to the tokenisers of the common models for English, generous for others).
    public static func estimateTokens(_ text: String) -> Int {
        max(1, (text.utf8.count + 3) / 4)
    }

    /// The pieces kept, in their original order.
    public func fit(_ pieces: [Piece]) -> [Piece] {
        var used = pieces.reduce(0) { $0 + ($1.relevance == nil ? $1.tokens : 0) }
        var keep = pieces.map { $0.relevance == nil }
        let optional = pieces.indices.filter { pieces[$0].relevance != nil }
            .sorted { (pieces[$0].relevance ?? 0, -$0) > (pieces[$1].relevance ?? 0, -$1) }
        for index in optional where used + pieces[index].tokens <= tokens {
            used += pieces[index].tokens
            keep[index] = true
        }
        return pieces.indices.filter { keep[$0] }.map { pieces[$0] }
    }
}
