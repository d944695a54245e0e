/// Logic trees (docs/wire-compatibility.md, Filters and logic trees): `or=(c1,c2)`, `and=(…)`,
/// `not.or=(…)`, nested `and(…)`/`or(…)`/`not.and(…)`; conditions are
/// `[path.]field[jsonpath].[not.]op.operand`.
enum LogicGrammar {
    /// How deep trees may nest; deeper input is refused rather than recursed into.
    static let maximumDepth = 64

    /// The key's last part is `and` or `or`, possibly after `not`; what precedes is the path.
    static func parse(key: String, value: String) -> Result<PathLogic, RESTQueryError> {
        var names: [String]
        var keyScanner = GrammarScanner(key)
        do throws(GrammarFailure) {
            names = try keyScanner.dottedNames()
            try keyScanner.expectEnd(["delimiter (.)"])
        } catch {
            return .failure(.syntax("logic path", key, error))
        }
        let rawParts = key.split(separator: ".", omittingEmptySubsequences: false)
        let negated = rawParts.count >= 2 && rawParts[rawParts.count - 2] == "not"
        let op = names.removeLast()
        if negated, !names.isEmpty { names.removeLast() }
        // Parsed as PostgREST does: the operator glued to the value, `or(a.eq.1,b.eq.2)`.
        let text = (negated ? "not." : "") + op + value
        var scanner = GrammarScanner(text)
        do throws(GrammarFailure) {
            let tree = try expression(&scanner, depth: 0)
            scanner.skipWhitespace()
            try scanner.expectEnd()
            return .success(PathLogic(path: names, tree: tree))
        } catch {
            return .failure(.syntax("logic tree", value, error, parsed: text))
        }
    }

    /// `[not.](and|or)(element, …)`.
    static func expression(_ scanner: inout GrammarScanner, depth: Int) throws(GrammarFailure) -> LogicTree {
        scanner.skipWhitespace()
        let negated = scanner.take("not.")
        let isAnd: Bool
        if scanner.take("and") {
            isAnd = true
        } else if scanner.take("or") {
            isAnd = false
        } else {
            throw scanner.failure(expecting: negated ? ["logic operator (and, or)"] : ["negation operator (not)", "logic operator (and, or)"])
        }
        scanner.skipWhitespace()
        try scanner.expect("(")
        guard depth < maximumDepth else {
            throw scanner.failure(expecting: ["at most \(maximumDepth) levels of nesting"])
        }
        var children: [LogicTree] = []
        while true {
            children.append(try element(&scanner, depth: depth + 1))
            scanner.skipWhitespace()
            if scanner.take(",") { continue }
            try scanner.expect(")", "\",\" or \")\"")
            break
        }
        return isAnd ? .and(negated: negated, children) : .or(negated: negated, children)
    }

    /// A condition, or a nested expression. On failure: the expression's, when it got past its
    /// keyword and the input never looked like `field.` (`ord(…)`); else whichever got further.
    private static func element(_ scanner: inout GrammarScanner, depth: Int) throws(GrammarFailure) -> LogicTree {
        scanner.skipWhitespace()
        let start = scanner.position
        var attempt = scanner
        let conditionFailure: GrammarFailure
        do throws(GrammarFailure) {
            let tree = try condition(&attempt)
            scanner = attempt
            return tree
        } catch {
            conditionFailure = error
        }
        attempt = scanner
        do throws(GrammarFailure) {
            let tree = try expression(&attempt, depth: depth)
            scanner = attempt
            return tree
        } catch {
            var probe = scanner
            _ = try? probe.field()
            let looksLikeCondition = probe.current == "."
            if !looksLikeCondition, error.position > start { throw error }
            throw GrammarFailure.farther(conditionFailure, error)
        }
    }

    /// `[path.]field[jsonpath].[not.]op.operand`: names are a path until one is followed by an
    /// operator (`dir.not.is.null` is on `dir`; `habits.done.eq.true` on `done` of `habits`).
    private static func condition(_ scanner: inout GrammarScanner) throws(GrammarFailure) -> LogicTree {
        var path: [String] = []
        var firstOperatorPosition: Int?
        while true {
            let name: String
            let jsonPath: [JSONPathStep]
            do throws(GrammarFailure) {
                name = try scanner.fieldName()
                jsonPath = try scanner.jsonPath()
                try scanner.expect(".", "delimiter (.)")
            } catch {
                // No operator anywhere: say so where the first one could have stood.
                guard let position = firstOperatorPosition, position < error.position else { throw error }
                var probe = scanner
                probe.position = position
                throw probe.failure(expecting: ["\"not\"", FilterGrammar.operatorLabel])
            }
            if firstOperatorPosition == nil { firstOperatorPosition = scanner.position }
            if !jsonPath.isEmpty || FilterGrammar.operatorStarts(scanner) {
                let filter = try FilterGrammar.expression(&scanner, context: .tree)
                return .condition(path: path, field: Field(name: name, jsonPath: jsonPath), filter: filter)
            }
            path.append(name)
        }
    }
}
