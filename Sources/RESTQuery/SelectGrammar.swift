/// The `select` grammar (docs/wire-compatibility.md, Select): columns with aliases, JSON paths
/// and casts; aggregate functions; embeddings with aliases, hints, join types and spreads,
/// nested. Whitespace around items is insignificant.
enum SelectGrammar {
    /// How deep embeddings may nest; deeper input is refused rather than recursed into.
    static let maximumDepth = 64

    static func parse(_ text: String) -> Result<[SelectItem], RESTQueryError> {
        var scanner = GrammarScanner(text)
        do throws(GrammarFailure) {
            let items = try forest(&scanner, depth: 0)
            try scanner.expectEnd(["\",\""])
            return .success(items)
        } catch {
            return .failure(.syntax("select parameter", text, error))
        }
    }

    /// `item ("," item)*`, possibly empty (`select=` and `target()`).
    static func forest(_ scanner: inout GrammarScanner, depth: Int) throws(GrammarFailure) -> [SelectItem] {
        scanner.skipWhitespace()
        if scanner.isAtEnd || scanner.current == ")" { return [] }
        var items: [SelectItem] = []
        while true {
            items.append(try item(&scanner, depth: depth))
            scanner.skipWhitespace()
            guard scanner.take(",") else { return items }
            scanner.skipWhitespace()
        }
    }

    private static func item(_ scanner: inout GrammarScanner, depth: Int) throws(GrammarFailure) -> SelectItem {
        scanner.skipWhitespace()
        if scanner.startsWith("...") {
            scanner.advance(3)
            return .embed(try embedding(&scanner, spread: true, depth: depth))
        }
        var attempt = scanner
        if let embedding = try? embeddingHead(&attempt), attempt.current == "(" {
            scanner = attempt
            return .embed(try embeddingBody(&scanner, head: embedding, depth: depth))
        }
        return try column(&scanner)
    }

    private static func embedding(_ scanner: inout GrammarScanner, spread: Bool, depth: Int) throws(GrammarFailure) -> Embedding {
        var head = try embeddingHead(&scanner)
        head.spread = spread
        guard scanner.current == "(" else {
            throw scanner.failure(expecting: ["\"!\"", "\"(\""])
        }
        return try embeddingBody(&scanner, head: head, depth: depth)
    }

    /// `[alias:]target[!param[!param]]`, leaving the scanner on what follows (`(` for an embedding).
    private static func embeddingHead(_ scanner: inout GrammarScanner) throws(GrammarFailure) -> Embedding {
        let alias = alias(&scanner)
        let nameStart = scanner.position
        let target = try scanner.fieldName()
        if target == "count", scanner.scalars[nameStart] != "\"" {
            // `count()` is the aggregate, not an embedding of a table named count.
            throw scanner.failure(expecting: [])
        }
        var embedding = Embedding(target: target, alias: alias, select: [])
        var sawHint = false
        var sawJoin = false
        while scanner.current == "!" {
            scanner.advance()
            let paramStart = scanner.position
            let quoted = scanner.current == "\""
            let param = try scanner.fieldName()
            if !quoted, let join = Embedding.Join(rawValue: param) {
                guard !sawJoin else {
                    scanner.position = paramStart
                    throw scanner.failure(expecting: ["a hint (one join type is given already)"])
                }
                sawJoin = true
                embedding.join = join
            } else {
                guard !sawHint else {
                    scanner.position = paramStart
                    throw scanner.failure(expecting: ["\"inner\" or \"left\" (one hint is given already)"])
                }
                sawHint = true
                embedding.hint = param
            }
        }
        scanner.skipWhitespace()
        return embedding
    }

    private static func embeddingBody(_ scanner: inout GrammarScanner, head: Embedding, depth: Int) throws(GrammarFailure) -> Embedding {
        guard depth < maximumDepth else {
            throw scanner.failure(expecting: ["at most \(maximumDepth) levels of embedding"])
        }
        try scanner.expect("(")
        var embedding = head
        embedding.select = try forest(&scanner, depth: depth + 1)
        scanner.skipWhitespace()
        try scanner.expect(")", "\",\" or \")\"")
        return embedding
    }

    /// `name:` (one colon: `::` is a cast), or nothing, leaving the scanner where it was.
    private static func alias(_ scanner: inout GrammarScanner) -> String? {
        var attempt = scanner
        guard let name = try? attempt.fieldName() else { return nil }
        attempt.skipWhitespace()
        guard attempt.current == ":", attempt.scalar(at: 1) != ":" else { return nil }
        attempt.advance()
        attempt.skipWhitespace()
        scanner = attempt
        return name
    }

    /// `*`; `[alias:]count()[::type]`; or `[alias:]field[jsonpath][::type][.function()[::type]]`
    /// (PostgREST's `pFieldSelect`).
    private static func column(_ scanner: inout GrammarScanner) throws(GrammarFailure) -> SelectItem {
        if scanner.take("*") {
            scanner.skipWhitespace()
            try expectItemEnd(&scanner, [])
            return .star
        }
        let alias = alias(&scanner)
        if scanner.take("count()") {
            let outputCast = try cast(&scanner)
            try expectItemEnd(&scanner, outputCast == nil ? ["\"::\""] : [])
            return .aggregate(SelectAggregate(.count, alias: alias, outputCast: outputCast))
        }
        let field = try scanner.field()
        let inputCast = try cast(&scanner)
        if let function = aggregateFunction(&scanner) {
            let outputCast = try cast(&scanner)
            try expectItemEnd(&scanner, outputCast == nil ? ["\"::\""] : [])
            return .aggregate(SelectAggregate(function, field: field, alias: alias, inputCast: inputCast, outputCast: outputCast))
        }
        var expecting = ["\"->\"", "\"->>\""]
        if inputCast == nil { expecting.append("\"::\"") }
        try expectItemEnd(&scanner, expecting + ["\".\""])
        return .column(field: field, alias: alias, cast: inputCast)
    }

    /// `::type`, or nothing.
    private static func cast(_ scanner: inout GrammarScanner) throws(GrammarFailure) -> String? {
        guard scanner.take("::") else { return nil }
        return try scanner.identifier("type name")
    }

    /// `.function()` naming one of the aggregate functions, consumed; else nothing, leaving the
    /// scanner where it was.
    private static func aggregateFunction(_ scanner: inout GrammarScanner) -> AggregateFunction? {
        var attempt = scanner
        guard attempt.take("."), let function = AggregateFunction(rawValue: attempt.word()), attempt.take("()") else { return nil }
        scanner = attempt
        return function
    }

    /// The end of an item: `,`, `)` or the end of the input, after optional whitespace.
    private static func expectItemEnd(_ scanner: inout GrammarScanner, _ expecting: [String]) throws(GrammarFailure) {
        scanner.skipWhitespace()
        guard scanner.isAtEnd || scanner.current == "," || scanner.current == ")" else {
            throw scanner.failure(expecting: expecting + ["\",\"", "\")\"", "end of input"])
        }
    }
}
