import Core

extension RowRange {
    /// The `Range` header (docs/wire-compatibility.md, Order and pagination): `a-b` or `a-`,
    /// optionally after `items=`. Anything else is ignored (nil), as PostgREST does; `a > b`, or
    /// bounds past `RequestInteger.maxCount`, are PGRST103.
    static func parse(header value: String) -> Result<RowRange?, RESTQueryError> {
        var text = Substring(GrammarScanner.trimmed(value))
        if text.lowercased().hasPrefix("items=") { text = text.dropFirst(6) }
        guard let dash = text.firstIndex(of: "-") else { return .success(nil) }
        let lowerText = text[..<dash]
        let upperText = text[text.index(after: dash)...]
        func isDigits(_ part: Substring) -> Bool {
            part.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        guard !lowerText.isEmpty, isDigits(lowerText), isDigits(upperText) else { return .success(nil) }
        let bounds = 0...RequestInteger.maxCount
        let upper = upperText.isEmpty ? nil : RequestInteger.parse(upperText, in: bounds)
        guard let lower = RequestInteger.parse(lowerText, in: bounds), upperText.isEmpty || upper != nil else {
            return .failure(RESTQueryError(
                .range, "Requested range not satisfiable",
                details: "The Range header bounds must be at most \(RequestInteger.maxCount)."))
        }
        if let upper, lower > upper {
            return .failure(RESTQueryError(
                .range, "Requested range not satisfiable",
                details: "The lower boundary must be lower than or equal to the upper boundary in the Range header."))
        }
        return .success(RowRange(lower: lower, upper: upper))
    }
}
