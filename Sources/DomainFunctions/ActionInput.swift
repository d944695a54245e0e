import Core
import Foundation
import FunctionsAPI
import Tokens

/// The inputs of one action: the members of the JSON body, plus query parameters (as strings)
/// for names the body does not have. Each accessor checks the type and answers a 400 naming the
/// member when it is wrong; absent and `null` members read as nil.
struct ActionInput: Sendable {
    let caller: Caller
    let values: [String: JSONValue]

    init(request: FunctionRequest) throws(FunctionError) {
        caller = request.caller
        var values: [String: JSONValue] = [:]
        let text = String(decoding: request.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty {
            guard let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                throw FunctionError.invalid("the body is not valid JSON")
            }
            switch decoded {
            case .object(let members): values = members
            case .null: break
            default: throw FunctionError.invalid("the body must be a JSON object")
            }
        }
        for (name, value) in request.query where values[name] == nil && name != "apikey" {
            values[name] = .string(value)
        }
        self.values = values
    }

    /// The value of a member, nil when absent or null.
    func value(_ name: String) -> JSONValue? {
        guard let value = values[name], value != .null else { return nil }
        return value
    }

    func has(_ name: String) -> Bool { values[name] != nil }

    func string(_ name: String, maxLength: Int = 10_000) throws(FunctionError) -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let text) = value else { throw .invalid("`\(name)` must be a string") }
        guard text.count <= maxLength else { throw .invalid("`\(name)` is longer than \(maxLength) characters") }
        return text
    }

    /// A non-empty string (after trimming), required.
    func text(_ name: String, maxLength: Int = 10_000) throws(FunctionError) -> String {
        guard let text = try string(name, maxLength: maxLength)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !text.isEmpty
        else { throw .invalid("`\(name)` is required") }
        return text
    }

    func uuid(_ name: String) throws(FunctionError) -> String? {
        guard let text = try string(name, maxLength: 64) else { return nil }
        guard let id = UUID(uuidString: text) else { throw .invalid("`\(name)` must be a UUID") }
        return id.uuidString.lowercased()
    }

    func requiredUUID(_ name: String) throws(FunctionError) -> String {
        guard let id = try uuid(name) else { throw .invalid("`\(name)` is required") }
        return id
    }

    /// A required UUID as a value.
    func requiredID(_ name: String) throws(FunctionError) -> UUID {
        guard let id = UUID(uuidString: try requiredUUID(name)) else { throw .invalid("`\(name)` must be a UUID") }
        return id
    }

    func uuids(_ name: String, max: Int = 500) throws(FunctionError) -> [String]? {
        guard let value = value(name) else { return nil }
        guard case .array(let items) = value, items.count <= max else {
            throw .invalid("`\(name)` must be an array of at most \(max) UUIDs")
        }
        return try items.map { item throws(FunctionError) in
            guard case .string(let text) = item, let id = UUID(uuidString: text) else {
                throw .invalid("`\(name)` must be an array of UUIDs")
            }
            return id.uuidString.lowercased()
        }
    }

    func strings(_ name: String, max: Int = 100, maxLength: Int = 500) throws(FunctionError) -> [String]? {
        guard let value = value(name) else { return nil }
        guard case .array(let items) = value, items.count <= max else {
            throw .invalid("`\(name)` must be an array of at most \(max) strings")
        }
        return try items.map { item throws(FunctionError) in
            guard case .string(let text) = item, text.count <= maxLength else {
                throw .invalid("`\(name)` must be an array of strings of at most \(maxLength) characters")
            }
            return text
        }
    }

    /// An integer: a JSON number without fraction, or a string of digits (query parameters).
    func int(_ name: String, in range: ClosedRange<Int>) throws(FunctionError) -> Int? {
        guard let value = value(name) else { return nil }
        let number: Int?
        switch value {
        case .number(let double) where double.rounded() == double && abs(double) < 1e15: number = Int(double)
        case .string(let text): number = Int(text.trimmingCharacters(in: .whitespaces))
        default: number = nil
        }
        guard let number else { throw .invalid("`\(name)` must be an integer") }
        guard range.contains(number) else {
            throw .invalid("`\(name)` must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    func bool(_ name: String) throws(FunctionError) -> Bool? {
        switch value(name) {
        case nil: return nil
        case .bool(let flag): return flag
        case .string("true"): return true
        case .string("false"): return false
        default: throw .invalid("`\(name)` must be true or false")
        }
    }

    /// A decimal number, as text for a `numeric` parameter.
    func decimal(_ name: String, in range: ClosedRange<Double>) throws(FunctionError) -> String? {
        guard let value = value(name) else { return nil }
        let number: Double?
        switch value {
        case .number(let double): number = double
        case .string(let text): number = Double(text.trimmingCharacters(in: .whitespaces))
        default: number = nil
        }
        guard let number, number.isFinite else { throw .invalid("`\(name)` must be a number") }
        guard range.contains(number) else {
            throw .invalid("`\(name)` must be between \(Self.plain(range.lowerBound)) and \(Self.plain(range.upperBound))")
        }
        return String(number)
    }

    /// A calendar day `YYYY-MM-DD`.
    func date(_ name: String) throws(FunctionError) -> String? {
        guard let text = try string(name, maxLength: 10) else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day)
        else { throw .invalid("`\(name)` must be a day written YYYY-MM-DD") }
        return text
    }

    /// One of the listed words.
    func choice(_ name: String, _ allowed: [String]) throws(FunctionError) -> String? {
        guard let text = try string(name, maxLength: 100) else { return nil }
        guard allowed.contains(text) else {
            throw .invalid("`\(name)` must be one of \(allowed.joined(separator: ", "))")
        }
        return text
    }

    /// A JSON object member, re-serialised for a `jsonb` parameter.
    func object(_ name: String) throws(FunctionError) -> String? {
        guard let value = value(name) else { return nil }
        guard case .object = value else { throw .invalid("`\(name)` must be a JSON object") }
        return value.jsonText
    }

    /// The listed members that are present (explicit nulls included), as a JSON object text.
    func patch(_ names: [String]) -> String {
        var members: [String: JSONValue] = [:]
        for name in names { if let value = values[name] { members[name] = value } }
        return JSONValue.object(members).jsonText
    }

    /// A bound of a range as people write it (no trailing `.0`).
    static func plain(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
