@testable import RESTQuery
import Testing

/// Parses a request the way the REST surface will: raw query, raw headers, body bytes.
func parseRequest(
    _ method: String = "GET", _ path: String = "/t", query: String = "", headers: [(String, String)] = [],
    body: String? = nil
) -> Result<ApiRequest, RESTQueryError> {
    ApiRequestParser.parse(
        method: method, path: path, query: query, headers: headers.map { (name: $0.0, value: $0.1) },
        body: body.map { Array($0.utf8) })
}

/// The parsed request, or a recorded issue and nil.
func request(
    _ method: String = "GET", _ path: String = "/t", query: String = "", headers: [(String, String)] = [],
    body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> ApiRequest? {
    switch parseRequest(method, path, query: query, headers: headers, body: body) {
    case .success(let request):
        return request
    case .failure(let error):
        Issue.record("unexpected \(error.kind.rawValue): \(error.message) — \(error.details ?? "")", sourceLocation: sourceLocation)
        return nil
    }
}

/// The error the request fails with, or a recorded issue and nil.
func failure(
    _ method: String = "GET", _ path: String = "/t", query: String = "", headers: [(String, String)] = [],
    body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> RESTQueryError? {
    switch parseRequest(method, path, query: query, headers: headers, body: body) {
    case .success(let request):
        Issue.record("expected a failure, parsed \(request)", sourceLocation: sourceLocation)
        return nil
    case .failure(let error):
        return error
    }
}

/// Percent-encodes a value as the clients' URL builders do (space as `+`).
func formEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
             UInt8(ascii: "*"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        case UInt8(ascii: " "):
            out += "+"
        default:
            let hex = Array("0123456789ABCDEF")
            out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
        }
    }
    return out
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }

    var successValue: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}

// MARK: - Shorthands for expected values

func column(_ name: String, _ path: [JSONPathStep] = [], alias: String? = nil, cast: String? = nil) -> SelectItem {
    .column(field: Field(name: name, jsonPath: path), alias: alias, cast: cast)
}

func aggregate(
    _ function: AggregateFunction, _ name: String? = nil, _ path: [JSONPathStep] = [], alias: String? = nil,
    inputCast: String? = nil, outputCast: String? = nil
) -> SelectItem {
    .aggregate(SelectAggregate(
        function, field: name.map { Field(name: $0, jsonPath: path) }, alias: alias, inputCast: inputCast, outputCast: outputCast))
}

func embed(
    _ target: String, alias: String? = nil, hint: String? = nil, join: Embedding.Join? = nil, spread: Bool = false,
    _ select: [SelectItem] = [.star]
) -> SelectItem {
    .embed(Embedding(target: target, alias: alias, hint: hint, join: join, spread: spread, select: select))
}

func value(_ op: FilterOperator, _ operand: String, not negated: Bool = false, quantifier: Quantifier? = nil, language: String? = nil) -> Filter {
    Filter(negated: negated, op: op, quantifier: quantifier, language: language, operand: .value(operand))
}

func list(_ op: FilterOperator, _ elements: [String], not negated: Bool = false, quantifier: Quantifier? = nil) -> Filter {
    Filter(negated: negated, op: op, quantifier: quantifier, operand: .list(elements))
}

func isFilter(_ isValue: IsValue, not negated: Bool = false) -> Filter {
    Filter(negated: negated, op: .is, operand: .isValue(isValue))
}

func condition(_ field: String, _ filter: Filter, path: [String] = [], json: [JSONPathStep] = []) -> LogicTree {
    .condition(path: path, field: Field(name: field, jsonPath: json), filter: filter)
}
