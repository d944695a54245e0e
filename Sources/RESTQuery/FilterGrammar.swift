/// Horizontal filters (docs/wire-compatibility.md, Filters and logic trees): the key
/// `[path.]field[jsonpath]` and the value `[not.]op[(modifier)].operand`, alone or as a
/// condition inside a logic tree.
enum FilterGrammar {
    /// Where an operator expression stands: alone as a parameter's value (the operand runs to the
    /// end), or inside a logic tree (the operand stops at `,` or `)` unless quoted or bracketed).
    enum Context {
        case parameter
        case tree
    }

    static let operatorLabel = "operator (eq, gt, ...)"

    static let quantifiable: Set<FilterOperator> = [.eq, .gt, .gte, .lt, .lte, .like, .ilike, .match, .imatch]
    static let textSearch: Set<FilterOperator> = [.fts, .plfts, .phfts, .wfts]

    /// `key=value` as a filter.
    static func parse(key: String, value: String) -> Result<PathFilter, RESTQueryError> {
        let target: (path: [String], field: Field)
        do throws(GrammarFailure) {
            target = try self.key(key)
        } catch {
            return .failure(.syntax("tree path", key, error))
        }
        var scanner = GrammarScanner(value)
        do throws(GrammarFailure) {
            let filter = try expression(&scanner, context: .parameter)
            scanner.skipWhitespace()
            try scanner.expectEnd()
            return .success(PathFilter(path: target.path, field: target.field, filter: filter))
        } catch {
            return .failure(.syntax("filter", value, error))
        }
    }

    /// `[path.]field[jsonpath]`: `id`, `data->>kind`, `habits.user_id`, `"a:b"`.
    static func key(_ text: String) throws(GrammarFailure) -> (path: [String], field: Field) {
        var scanner = GrammarScanner(text)
        var names = try scanner.dottedNames()
        let jsonPath = try scanner.jsonPath()
        try scanner.expectEnd(["\"->\"", "\"->>\"", "delimiter (.)"])
        let name = names.removeLast()
        return (names, Field(name: name, jsonPath: jsonPath))
    }

    /// True when the scanner stands on `[not.]op` followed by `.` or `(`: where a condition's
    /// field ends and its operator begins.
    static func operatorStarts(_ scanner: GrammarScanner) -> Bool {
        var probe = scanner
        if probe.startsWith("not.") {
            probe.advance(4)
        }
        let word = probe.word()
        return FilterOperator(rawValue: word) != nil && (probe.current == "." || probe.current == "(")
    }

    /// `[not.]op[(modifier)].operand`.
    static func expression(_ scanner: inout GrammarScanner, context: Context) throws(GrammarFailure) -> Filter {
        let negated = scanner.take("not.")
        let operatorStart = scanner.position
        let word = scanner.word()
        guard let op = FilterOperator(rawValue: word) else {
            scanner.position = operatorStart
            throw scanner.failure(expecting: negated ? [operatorLabel] : ["\"not\"", operatorLabel])
        }
        var filter = Filter(negated: negated, op: op, operand: .value(""))
        switch op {
        case .in:
            try scanner.expect(".", "delimiter (.)")
            filter.operand = .list(try list(&scanner))
        case .is:
            try scanner.expect(".", "delimiter (.)")
            let valueStart = scanner.position
            let word = scanner.word()
            guard let value = IsValue(rawValue: word.lowercased()) else {
                scanner.position = valueStart
                throw scanner.failure(expecting: ["isVal: (null, not_null, true, false, unknown)"])
            }
            filter.operand = .isValue(value)
        case _ where textSearch.contains(op):
            if scanner.take("(") {
                filter.language = try scanner.identifier("text search configuration")
                try scanner.expect(")")
            }
            try scanner.expect(".", "delimiter (.)")
            filter.operand = .value(operand(&scanner, context: context))
        case _ where quantifiable.contains(op):
            if scanner.take("(") {
                let quantifierStart = scanner.position
                guard let quantifier = Quantifier(rawValue: scanner.word()) else {
                    scanner.position = quantifierStart
                    throw scanner.failure(expecting: ["\"any\"", "\"all\""])
                }
                filter.quantifier = quantifier
                try scanner.expect(")")
            }
            try scanner.expect(".", "delimiter (.)")
            let operandStart = scanner.position
            let text = operand(&scanner, context: context)
            let isPattern = op == .like || op == .ilike
            if filter.quantifier != nil {
                do throws(GrammarFailure) {
                    let elements = try arrayElements(text)
                    filter.operand = .list(isPattern ? elements.map(pattern) : elements)
                } catch {
                    // Positions inside the operand map onto the parameter when it was not quoted.
                    var failure = error
                    failure.position = operandStart + (context == .parameter ? error.position : 0)
                    throw failure
                }
            } else {
                filter.operand = .value(isPattern ? pattern(text) : text)
            }
        default:
            try scanner.expect(".", "delimiter (.)")
            filter.operand = .value(operand(&scanner, context: context))
        }
        return filter
    }

    /// `*` stands for `%` in like/ilike patterns (clients send `%` as `%25` or as `*`).
    static func pattern(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "*" ? "%" : $0 }))
    }

    private static func operand(_ scanner: inout GrammarScanner, context: Context) -> String {
        switch context {
        case .parameter: scanner.takeRemainder()
        case .tree: treeOperand(&scanner)
        }
    }

    /// An operand inside a logic tree: `"quoted, (with) delimiters"`, a bracketed literal
    /// (`{a,b}`, `{"k": [1, 2]}`, `[1,5)`, `(1,10)`), or text up to `,` or `)`.
    static func treeOperand(_ scanner: inout GrammarScanner) -> String {
        func endsHere(_ probe: GrammarScanner) -> Bool {
            probe.isAtEnd || probe.current == "," || probe.current == ")"
        }
        let start = scanner.position
        if scanner.current == "\"" {
            var probe = scanner
            if let value = try? probe.quoted(), endsHere(probe) {
                scanner = probe
                return value
            }
        }
        if let first = scanner.current, first == "{" || first == "[" || first == "(" {
            var probe = scanner
            if skipBracketed(&probe), endsHere(probe) {
                scanner = probe
                return scanner.text(from: start)
            }
        }
        while let scalar = scanner.current, scalar != ",", scalar != ")" { scanner.advance() }
        return scanner.text(from: start)
    }

    /// Skips one balanced bracketed literal; any of `{[(` opens and any of `}])` closes (ranges
    /// mix them: `[1,5)`), and double-quoted strings inside are skipped whole.
    private static func skipBracketed(_ scanner: inout GrammarScanner) -> Bool {
        var depth = 0
        while let scalar = scanner.current {
            switch scalar {
            case "{", "[", "(":
                depth += 1
            case "}", "]", ")":
                depth -= 1
                if depth == 0 {
                    scanner.advance()
                    return true
                }
            case "\"":
                scanner.advance()
                while let inner = scanner.current, inner != "\"" {
                    if inner == "\\" { scanner.advance() }
                    scanner.advance()
                }
                if scanner.isAtEnd { return false }
            default:
                break
            }
            scanner.advance()
        }
        return false
    }

    /// `(a,b,"c,d")`: elements split on `,`; an element wholly in double quotes may contain
    /// `,()` and uses backslash escapes. Unquoted elements are kept as written.
    static func list(_ scanner: inout GrammarScanner) throws(GrammarFailure) -> [String] {
        scanner.skipWhitespace()
        try scanner.expect("(")
        scanner.skipWhitespace()
        if scanner.take(")") { return [] }
        var elements: [String] = []
        while true {
            elements.append(listElement(&scanner))
            if scanner.take(",") { continue }
            try scanner.expect(")", "\",\" or \")\"")
            return elements
        }
    }

    private static func listElement(_ scanner: inout GrammarScanner) -> String {
        if scanner.current == "\"" {
            var probe = scanner
            if let value = try? probe.quoted(), probe.current == "," || probe.current == ")" {
                scanner = probe
                return value
            }
        }
        let start = scanner.position
        while let scalar = scanner.current, scalar != ",", scalar != ")" { scanner.advance() }
        return scanner.text(from: start)
    }

    /// The elements of a one-dimensional PostgreSQL array literal `{a, b,"c,d"}`: unquoted
    /// elements are trimmed, quoted ones unescaped. (Unquoted `NULL` stays the text `NULL`.)
    static func arrayElements(_ text: String) throws(GrammarFailure) -> [String] {
        var scanner = GrammarScanner(text)
        scanner.skipWhitespace()
        try scanner.expect("{", "array literal ({a,b,...})")
        scanner.skipWhitespace()
        var elements: [String] = []
        if !scanner.take("}") {
            while true {
                scanner.skipWhitespace()
                if scanner.current == "\"" {
                    elements.append(try scanner.quoted())
                    scanner.skipWhitespace()
                } else {
                    var view = String.UnicodeScalarView()
                    while let scalar = scanner.current, scalar != ",", scalar != "}" {
                        if scalar == "{" || scalar == "\"" {
                            throw scanner.failure(expecting: ["\",\"", "\"}\""])
                        }
                        if scalar == "\\" {
                            scanner.advance()
                            guard let escaped = scanner.current else { break }
                            view.append(escaped)
                        } else {
                            view.append(scalar)
                        }
                        scanner.advance()
                    }
                    let element = GrammarScanner.trimmed(String(view))
                    guard !element.isEmpty else { throw scanner.failure(expecting: ["array element"]) }
                    elements.append(element)
                }
                if scanner.take(",") { continue }
                try scanner.expect("}", "\",\" or \"}\"")
                break
            }
        }
        scanner.skipWhitespace()
        try scanner.expectEnd()
        return elements
    }
}
