import Core

/// Turns the parts of a `/rest/v1` HTTP request into an `ApiRequest` (docs/wire-compatibility.md,
/// REST): the first stage of the REST compiler. Pure: no schema, no database, no clock, no
/// environment.
public enum ApiRequestParser {
    /// The headers a request is parsed from (lower-case); the parser reads no other, so a
    /// request's method, path, query and these headers decide its `ApiRequest`.
    public static let consultedHeaders: Set<String> = ["accept", "accept-profile", "content-profile", "prefer", "range"]

    /// Parses one request.
    /// - Parameters:
    ///   - method: the HTTP verb, as sent (verbs are case-sensitive).
    ///   - path: the path after `/rest/v1`, still percent-encoded: `/`, `/{relation}`, `/rpc/{fn}`.
    ///   - query: the raw query string (with or without its `?`), still percent-encoded.
    ///   - headers: the request's headers (those outside `consultedHeaders` are ignored); names
    ///     are compared case-insensitively.
    ///   - body: the request body, if any.
    public static func parse(
        method: String, path: String, query: String, headers: [(name: String, value: String)], body: [UInt8]?
    ) -> Result<ApiRequest, RESTQueryError> {
        do throws(RESTQueryError) {
            return .success(try request(method: method, path: path, query: query, headers: headers, body: body))
        } catch {
            return .failure(error)
        }
    }

    static func request(
        method: String, path: String, query: String, headers: [(name: String, value: String)], body: [UInt8]?
    ) throws(RESTQueryError) -> ApiRequest {
        let target = try target(path)
        let action = try action(method, on: target)
        /// The values of header `name` (lower-case), its name matched without regard to case.
        func values(_ name: String) -> [String] {
            assert(consultedHeaders.contains(name), "\(name) is read but not listed in consultedHeaders")
            return headers.filter { header in
                header.name.utf8.count == name.utf8.count
                    && zip(header.name.utf8, name.utf8).allSatisfy { $0 == $1 || $0 | 0x20 == $1 }
            }.map(\.value)
        }

        let isRoutineRead = action == .call(readOnly: true, headersOnly: false) || action == .call(readOnly: true, headersOnly: true)
        let parameters = try queryParameters(query, isRoutineRead: isRoutineRead)

        var range: RowRange?
        if method == "GET" || method == "HEAD", let header = values("range").first {
            range = try RowRange.parse(header: header).get()
        }

        var payload: Payload?
        switch action {
        case .insert, .update, .singleUpsert:
            payload = try Payload.parse(body, expecting: .rows).get()
        case .call(readOnly: false, _):
            payload = try Payload.parse(body, expecting: .arguments).get()
        case .read, .delete, .call, .describe:
            payload = nil
        }

        let isRead = method == "GET" || method == "HEAD"
        let profile = values(isRead ? "accept-profile" : "content-profile")
            .lazy.map(GrammarScanner.trimmed).first { !$0.isEmpty }
        let isDescription = target == .schemaDescription

        return ApiRequest(
            target: target, action: action, profile: profile, query: parameters,
            preferences: Preferences(headerValues: values("prefer")),
            mediaType: MediaType(acceptValues: values("accept"), describing: isDescription),
            range: range, payload: payload)
    }

    // MARK: - Path and verb

    static func target(_ path: String) throws(RESTQueryError) -> ApiRequest.Target {
        var text = Substring(path)
        if text.hasPrefix("/") { text = text.dropFirst() }
        if text.isEmpty { return .schemaDescription }
        var segments: [String] = []
        for segment in text.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty, let decoded = QueryString.decode(segment, plusIsSpace: false) else {
                throw invalidPath
            }
            segments.append(decoded)
        }
        switch segments.count {
        case 1: return .relation(segments[0])
        case 2 where segments[0] == "rpc": return .routine(segments[1])
        default: throw invalidPath
        }
    }

    private static let invalidPath = RESTQueryError(.invalidPath, "Invalid path specified in request URL")

    static func action(_ method: String, on target: ApiRequest.Target) throws(RESTQueryError) -> ApiRequest.Action {
        switch (target, method) {
        case (.relation, "GET"): return .read(headersOnly: false)
        case (.relation, "HEAD"): return .read(headersOnly: true)
        case (.relation, "POST"): return .insert
        case (.relation, "PATCH"): return .update
        case (.relation, "PUT"): return .singleUpsert
        case (.relation, "DELETE"): return .delete
        case (.routine, "GET"): return .call(readOnly: true, headersOnly: false)
        case (.routine, "HEAD"): return .call(readOnly: true, headersOnly: true)
        case (.routine, "POST"): return .call(readOnly: false, headersOnly: false)
        case (.routine, _): throw RESTQueryError(.routineMethod, "Cannot use the \(method) method on RPC", details: method)
        case (.schemaDescription, "GET"): return .describe(headersOnly: false)
        case (.schemaDescription, "HEAD"): return .describe(headersOnly: true)
        default: throw RESTQueryError(.unsupportedMethod, "Unsupported HTTP method: \(method)", details: method)
        }
    }

    // MARK: - Query string

    private enum Reserved: String {
        case order, limit, offset, and, or
    }

    /// The query string split by meaning (docs/wire-compatibility.md, Query parameters). Errors
    /// are reported in PostgREST's order: order, logic trees, columns, select, filters,
    /// on_conflict, then limit/offset. For a function read (`GET`/`HEAD /rpc/fn`), a parameter
    /// that is not a valid filter is kept with its failure: it may be an argument.
    static func queryParameters(_ query: String, isRoutineRead: Bool) throws(RESTQueryError) -> QueryParameters {
        let pairs = try QueryString.pairs(query).get()
        var select: String?
        var columns: String?
        var onConflict: String?
        var orders: [(key: String, value: String)] = []
        var logic: [(key: String, value: String)] = []
        var counts: [(key: String, value: String, isLimit: Bool)] = []
        var filters: [(key: String, value: String)] = []
        for pair in pairs {
            guard let value = pair.value else { continue }
            switch pair.key {
            case "select": if select == nil { select = value }
            case "columns": if columns == nil { columns = value }
            case "on_conflict": if onConflict == nil { onConflict = value }
            // The API key, for clients that cannot send headers: the edge reads it, and it is never
            // a filter or an argument (which would echo the key into errors and SQL).
            case "apikey": continue
            default:
                let last = pair.key.split(separator: ".", omittingEmptySubsequences: false).last.map(String.init) ?? ""
                switch Reserved(rawValue: last) {
                case .order: orders.append((pair.key, value))
                case .and, .or: logic.append((pair.key, value))
                case .limit: counts.append((pair.key, value, true))
                case .offset: counts.append((pair.key, value, false))
                case nil: filters.append((pair.key, value))
                }
            }
        }

        var parameters = QueryParameters()
        for (key, value) in orders {
            let path = try path(ofReservedKey: key)
            parameters.order.append(PathOrder(path: path, terms: try OrderGrammar.parse(value).get()))
        }
        for (key, value) in logic {
            parameters.logic.append(try LogicGrammar.parse(key: key, value: value).get())
        }
        if let columns {
            parameters.columns = try nameList(columns, "columns parameter")
        }
        if let select {
            parameters.select = try SelectGrammar.parse(select).get()
        }
        for (key, value) in filters {
            let parsed = FilterGrammar.parse(key: key, value: value)
            if !isRoutineRead, case .failure(let error) = parsed { throw error }
            parameters.filters.append(FilterParameter(key: key, value: value, parsed: parsed))
        }
        if let onConflict {
            parameters.onConflict = try nameList(onConflict, "on_conflict parameter")
        }
        for (key, value, isLimit) in counts {
            let path = try path(ofReservedKey: key)
            let number = try count(value, key: key, isLimit: isLimit)
            let index: Int
            if let existing = parameters.ranges.firstIndex(where: { $0.path == path }) {
                index = existing
            } else {
                parameters.ranges.append(PathRange(path: path))
                index = parameters.ranges.count - 1
            }
            // A repeated limit or offset replaces the earlier one, as in PostgREST.
            if isLimit {
                parameters.ranges[index].limit = number
            } else {
                parameters.ranges[index].offset = number
            }
        }
        return parameters
    }

    /// The embedding path of `order`, `limit`, `offset`: `habits.order` → `["habits"]`.
    private static func path(ofReservedKey key: String) throws(RESTQueryError) -> [String] {
        var scanner = GrammarScanner(key)
        do throws(GrammarFailure) {
            var names = try scanner.dottedNames()
            try scanner.expectEnd(["delimiter (.)"])
            names.removeLast()
            return names
        } catch {
            throw .syntax("tree path", key, error)
        }
    }

    private static func nameList(_ text: String, _ what: String) throws(RESTQueryError) -> [String] {
        var scanner = GrammarScanner(text)
        do throws(GrammarFailure) {
            return try scanner.nameList()
        } catch {
            throw .syntax(what, text, error)
        }
    }

    /// `limit`/`offset`: a non-negative integer up to `RequestInteger.maxCount`. A negative limit is
    /// PGRST103 (docs/wire-compatibility.md, Order and pagination).
    private static func count(_ value: String, key: String, isLimit: Bool) throws(RESTQueryError) -> Int {
        let text = GrammarScanner.trimmed(value)
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let isInteger = !digits.isEmpty && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        if isInteger, text.hasPrefix("-") {
            guard isLimit else {
                throw RESTQueryError(
                    .query, "\"failed to parse \(key) parameter (\(value))\"", details: "offset must be a non-negative integer")
            }
            throw RESTQueryError(
                .range, "Requested range not satisfiable", details: "Limit should be greater than or equal to zero.")
        }
        guard isInteger, let number = RequestInteger.parse(digits, in: 0...RequestInteger.maxCount) else {
            throw RESTQueryError(
                .query, "\"failed to parse \(key) parameter (\(value))\"",
                details: "\(isLimit ? "limit" : "offset") must be a non-negative integer of at most \(RequestInteger.maxCount)")
        }
        return number
    }
}
