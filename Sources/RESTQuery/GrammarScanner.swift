/// Where one of the query grammars stopped: the offset (in Unicode scalars) of the offending
/// input, what was found there and what would have fitted. Turned into a PGRST100 error that
/// names the parameter by `RESTQueryError.syntax`.
struct GrammarFailure: Error, Equatable {
    var position: Int
    var unexpected: String
    var expecting: [String]

    /// `unexpected "x" expecting a, b or c`, as Parsec words it.
    var details: String {
        var text = "unexpected \(unexpected)"
        if !expecting.isEmpty {
            text += " expecting "
            if expecting.count == 1 {
                text += expecting[0]
            } else {
                text += expecting.dropLast().joined(separator: ", ") + " or " + expecting[expecting.count - 1]
            }
        }
        return text
    }

    /// The failure of the two that got further into the input (the second on a tie).
    static func farther(_ first: GrammarFailure, _ second: GrammarFailure) -> GrammarFailure {
        first.position > second.position ? first : second
    }
}

extension RESTQueryError {
    /// PGRST100 in PostgREST's words: `"failed to parse <what> (<text>)" (line 1, column 5)`,
    /// with the parser's view (`unexpected … expecting …`) as details. The position counts in
    /// `parsed`, the text the grammar read, when that differs from the parameter's value.
    static func syntax(_ what: String, _ text: String, _ failure: GrammarFailure, parsed: String? = nil) -> RESTQueryError {
        let scalars = Array((parsed ?? text).unicodeScalars.prefix(failure.position))
        let line = 1 + scalars.count(where: { $0 == "\n" })
        let column = 1 + (scalars.lastIndex(of: "\n").map { scalars.count - $0 - 1 } ?? scalars.count)
        return RESTQueryError(
            .query, "\"failed to parse \(what) (\(text))\" (line \(line), column \(column))",
            details: failure.details)
    }
}

/// A cursor over the Unicode scalars of one parameter value, with the lexical pieces every
/// grammar shares: field names (plain, dashed or double-quoted), JSON paths and casts.
struct GrammarScanner {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    var isAtEnd: Bool { position >= scalars.count }
    var current: Unicode.Scalar? { scalar(at: 0) }

    func scalar(at offset: Int) -> Unicode.Scalar? {
        let index = position + offset
        return index >= 0 && index < scalars.count ? scalars[index] : nil
    }

    func startsWith(_ literal: String) -> Bool {
        var index = position
        for scalar in literal.unicodeScalars {
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
        }
        return true
    }

    mutating func advance(_ count: Int = 1) {
        position = min(position + count, scalars.count)
    }

    mutating func take(_ literal: String) -> Bool {
        guard startsWith(literal) else { return false }
        advance(literal.unicodeScalars.count)
        return true
    }

    mutating func skipWhitespace() {
        while let scalar = current, Self.isWhitespace(scalar) { advance() }
    }

    func text(from start: Int, to end: Int? = nil) -> String {
        let range = start..<(end ?? position)
        // Names and values are nearly always ASCII: one byte per scalar, copied straight.
        if scalars[range].allSatisfy(\.isASCII) {
            return String(unsafeUninitializedCapacity: range.count) { bytes in
                for (offset, index) in range.enumerated() { bytes[offset] = UInt8(truncatingIfNeeded: scalars[index].value) }
                return range.count
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    /// The rest of the input, consumed.
    mutating func takeRemainder() -> String {
        let text = text(from: position, to: scalars.count)
        position = scalars.count
        return text
    }

    /// A failure here, expecting the given descriptions.
    func failure(expecting: [String]) -> GrammarFailure {
        GrammarFailure(position: position, unexpected: describeCurrent(), expecting: expecting)
    }

    func describeCurrent() -> String {
        guard let scalar = current else { return "end of input" }
        return "\"\(Character(scalar))\""
    }

    mutating func expect(_ literal: String, _ label: String? = nil) throws(GrammarFailure) {
        guard take(literal) else { throw failure(expecting: [label ?? "\"\(literal)\""]) }
    }

    /// Fails unless the whole input has been consumed.
    func expectEnd(_ alternatives: [String] = []) throws(GrammarFailure) {
        guard isAtEnd else { throw failure(expecting: alternatives + ["end of input"]) }
    }

    // MARK: - Character classes

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x30 && scalar.value <= 0x39
    }

    static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value >= 0x41 && scalar.value <= 0x5A) || (scalar.value >= 0x61 && scalar.value <= 0x7A)
    }

    /// PostgREST's identifier characters: letters, digits, `_`, `$` and the space (trimmed).
    static func isIdentifier(_ scalar: Unicode.Scalar) -> Bool {
        // ASCII first: the Unicode property look-up is by far the slowest test, and rarely needed.
        if scalar.isASCII {
            return isASCIILetter(scalar) || isDigit(scalar) || scalar == "_" || scalar == "$" || scalar == " "
        }
        return scalar.properties.isAlphabetic
    }

    static func trimmed(_ text: String) -> String {
        let all = text.unicodeScalars
        guard let head = all.first, let tail = all.last else { return text }
        if !isWhitespace(head), !isWhitespace(tail) { return text }
        let scalars = Array(all)
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
              let last = scalars.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[first...last])
        return String(view)
    }

    // MARK: - Lexical pieces

    static let fieldNameLabel = "field name (* or [a..z0..9_$])"

    /// A run of ASCII letters and underscores (an operator, keyword or `is` value); may be empty.
    mutating func word() -> String {
        let start = position
        while let scalar = current, Self.isASCIILetter(scalar) || scalar == "_" { advance() }
        return text(from: start)
    }

    /// One or more identifier characters, trimmed (PostgREST's `pIdentifier`).
    mutating func identifier(_ label: String = GrammarScanner.fieldNameLabel) throws(GrammarFailure) -> String {
        let start = position
        while let scalar = current, Self.isIdentifier(scalar) { advance() }
        let name = Self.trimmed(text(from: start))
        guard !name.isEmpty else {
            position = start
            throw failure(expecting: [label])
        }
        return name
    }

    /// `"…"` with `\"` and `\\` (any `\x` stands for `x`).
    mutating func quoted() throws(GrammarFailure) -> String {
        try expect("\"")
        var view = String.UnicodeScalarView()
        while let scalar = current {
            if scalar == "\"" {
                advance()
                return String(view)
            }
            if scalar == "\\" {
                advance()
                guard let escaped = current else { break }
                view.append(escaped)
            } else {
                view.append(scalar)
            }
            advance()
        }
        throw failure(expecting: ["\"\\\"\""])
    }

    /// A column, relation, alias or hint: double-quoted, or identifiers joined by dashes that
    /// do not start an arrow (`user-id`, but `data->x` is `data` and a JSON path).
    mutating func fieldName() throws(GrammarFailure) -> String {
        if current == "\"" { return try quoted() }
        var name = try identifier()
        while current == "-", scalar(at: 1) != ">" {
            advance()
            name += "-" + (try identifier())
        }
        return name
    }

    /// `(->key | ->>key)*`; keys are double-quoted, or any text up to one of `(-:.,>)`, or
    /// (negative) integers, which index arrays.
    mutating func jsonPath() throws(GrammarFailure) -> [JSONPathStep] {
        var steps: [JSONPathStep] = []
        while true {
            if take("->>") {
                steps.append(.doubleArrow(try jsonKey()))
            } else if take("->") {
                steps.append(.arrow(try jsonKey()))
            } else {
                return steps
            }
        }
    }

    private static let jsonKeyStops: Set<Unicode.Scalar> = ["(", "-", ":", ".", ",", ">", ")"]

    private mutating func jsonKey() throws(GrammarFailure) -> String {
        if current == "\"" { return try quoted() }
        if current == "-" {
            let start = position
            advance()
            guard let digit = current, Self.isDigit(digit) else { throw failure(expecting: ["digit"]) }
            while let scalar = current, Self.isDigit(scalar) { advance() }
            let index = text(from: start)
            guard isAtEnd || startsWith("->") || startsWith("::") || current == "." || current == ","
                || current == ")" || current.map(Self.isWhitespace) == true
            else { throw failure(expecting: ["digit", "\"->\"", "\"::\"", "\".\"", "\",\"", "end of input"]) }
            return index
        }
        var key = try jsonKeySegment()
        while current == "-", scalar(at: 1) != ">" {
            advance()
            key += "-" + (try jsonKeySegment())
        }
        return key
    }

    private mutating func jsonKeySegment() throws(GrammarFailure) -> String {
        let start = position
        while let scalar = current, !Self.jsonKeyStops.contains(scalar) { advance() }
        let key = Self.trimmed(text(from: start))
        guard !key.isEmpty else {
            position = start
            throw failure(expecting: ["any non reserved character different from: .,>()"])
        }
        return key
    }

    /// `field[jsonpath]`.
    mutating func field() throws(GrammarFailure) -> Field {
        let name = try fieldName()
        return Field(name: name, jsonPath: try jsonPath())
    }

    /// Names separated by dots (an embedding path), to the end of the input.
    mutating func dottedNames() throws(GrammarFailure) -> [String] {
        var names = [try fieldName()]
        while take(".") { names.append(try fieldName()) }
        return names
    }

    /// `name (, name)*` to the end of the input: `columns` and `on_conflict`.
    mutating func nameList() throws(GrammarFailure) -> [String] {
        skipWhitespace()
        var names = [try fieldName()]
        skipWhitespace()
        while take(",") {
            skipWhitespace()
            names.append(try fieldName())
            skipWhitespace()
        }
        try expectEnd(["\",\""])
        return names
    }
}
