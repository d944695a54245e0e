/// `order` (docs/wire-compatibility.md, Order and pagination): `term ("," term)*` with
/// `term := (field | relation(field))[.asc|.desc][.nullsfirst|.nullslast]`.
enum OrderGrammar {
    static func parse(_ text: String) -> Result<[OrderTerm], RESTQueryError> {
        var scanner = GrammarScanner(text)
        do throws(GrammarFailure) {
            var terms: [OrderTerm] = []
            while true {
                terms.append(try term(&scanner))
                if scanner.take(",") { continue }
                try scanner.expectEnd(["\",\""])
                return .success(terms)
            }
        } catch {
            return .failure(.syntax("order", text, error))
        }
    }

    private static func term(_ scanner: inout GrammarScanner) throws(GrammarFailure) -> OrderTerm {
        scanner.skipWhitespace()
        var term: OrderTerm
        var attempt = scanner
        if let relation = try? attempt.fieldName(), attempt.take("(") {
            scanner = attempt
            scanner.skipWhitespace()
            let field = try scanner.field()
            scanner.skipWhitespace()
            try scanner.expect(")")
            term = OrderTerm(relation: relation, field: field)
        } else {
            term = OrderTerm(field: try scanner.field())
        }
        let endings = ["\",\"", "end of input"]
        if scanner.take(".") {
            let wordStart = scanner.position
            let word = scanner.word()
            if let direction = OrderTerm.Direction(rawValue: word) {
                term.direction = direction
                if scanner.take(".") {
                    let nullsStart = scanner.position
                    guard let nulls = OrderTerm.Nulls(rawValue: scanner.word()) else {
                        scanner.position = nullsStart
                        throw scanner.failure(expecting: ["\"nullsfirst\"", "\"nullslast\""])
                    }
                    term.nulls = nulls
                }
            } else if let nulls = OrderTerm.Nulls(rawValue: word) {
                term.nulls = nulls
            } else {
                scanner.position = wordStart
                throw scanner.failure(expecting: ["\"asc\"", "\"desc\"", "\"nullsfirst\"", "\"nullslast\""])
            }
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd || scanner.current == "," else {
            throw scanner.failure(expecting: term.direction == nil && term.nulls == nil ? ["delimiter (.)"] + endings : endings)
        }
        return term
    }
}
