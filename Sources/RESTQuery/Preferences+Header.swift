import Core

extension Preferences {
    /// Reads every `Prefer` header value (docs/wire-compatibility.md, Prefer): split on `,`,
    /// trimmed; the first occurrence of each preference wins; anything not understood
    /// (`return=everything`, `params=single-object`, `max-affected=x`) is kept in `unrecognised`,
    /// as written.
    init(headerValues: [String]) {
        self.init()
        for value in headerValues {
            for item in value.split(separator: ",") {
                let token = GrammarScanner.trimmed(String(item))
                guard !token.isEmpty else { continue }
                if !apply(token) { unrecognised.append(token) }
            }
        }
    }

    /// Records one `name=value` preference unless already set; false when it is not understood.
    private mutating func apply(_ token: String) -> Bool {
        guard let equals = token.firstIndex(of: "=") else { return false }
        let name = token[..<equals]
        let value = String(token[token.index(after: equals)...])
        func first<Value>(_ slot: inout Value?, _ parsed: Value?) -> Bool {
            guard let parsed else { return false }
            if slot == nil { slot = parsed }
            return true
        }
        switch name {
        case "return": return first(&self.return, Return(rawValue: value))
        case "count": return first(&count, Count(rawValue: value))
        case "resolution": return first(&resolution, Resolution(rawValue: value))
        case "missing": return first(&missing, Missing(rawValue: value))
        case "tx": return first(&transaction, Transaction(rawValue: value))
        case "handling": return first(&handling, Handling(rawValue: value))
        case "max-affected":
            let digits = !value.isEmpty && value.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            return first(&maxAffected, digits ? RequestInteger.parse(value, in: 0...RequestInteger.maxCount) : nil)
        case "timezone": return first(&timezone, value.isEmpty ? nil : value)
        default: return false
        }
    }
}
