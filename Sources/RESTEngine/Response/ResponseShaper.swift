import Core
import Foundation
import RESTErrors
import RESTQuery
import SchemaCache

/// What a REST response carries: status, headers and the body PostgreSQL built.
public struct RESTResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: String?

    public init(status: Int, headers: [(String, String)], body: String?) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Turns the statement's row (total, rows in the response, body) into the protocol's status,
/// `Content-Range`, `Preference-Applied` and body (docs/wire-compatibility.md, Media types, statuses and headers).
public struct ResponseShaper: Sendable {
    let request: ApiRequest
    let plan: Plan

    public init(request: ApiRequest, plan: Plan) {
        self.request = request
        self.plan = plan
    }

    struct Row {
        var total: Int?
        var page: Int
        var body: String?
        /// The rows a call returned when its response aggregates them; else the response's rows.
        var affected: Int

        init(_ columns: [String?]) {
            total = columns.first.flatMap { $0 }.flatMap { Int($0) }
            page = columns.count > 1 ? (columns[1].flatMap { Int($0) } ?? 0) : 0
            body = columns.count > 2 ? columns[2] : nil
            affected = columns.count > 3 ? (columns[3].flatMap { Int($0) } ?? page) : page
        }
    }

    var single: Bool {
        switch plan {
        case .read(let read): return read.single
        case .mutate(let mutate): return mutate.single && mutate.representation
        case .call(let call): return call.single
        }
    }

    /// `Prefer: handling=strict, max-affected=n` on a write or call: the most rows it may touch.
    var maxAffected: Int? {
        guard request.preferences.handling == .strict, let limit = request.preferences.maxAffected else { return nil }
        switch plan {
        case .mutate(let mutate):
            if case .insert = mutate.kind { return nil }
            return limit
        case .call: return limit
        case .read: return nil
        }
    }

    /// A singular `Accept`: exactly one row must be read, touched or returned. A write that
    /// touches another number is undone (PGRST116), whether or not it returns a representation.
    var requiresOneRow: Bool {
        switch plan {
        case .read(let read): return read.single
        case .mutate(let mutate): return mutate.single
        case .call(let call): return call.single
        }
    }

    /// Whether `check` may refuse a result whose writes must then be undone.
    public var checkUndoes: Bool { requiresOneRow || maxAffected != nil }

    /// Runs before the transaction ends: a singular response that is not exactly one row, or
    /// more rows touched than `max-affected` allows, undoes the request.
    public func check(_ columns: [String?]) throws {
        let row = Row(columns)
        if requiresOneRow, row.page != 1 { throw RESTError.singularity(rowCount: row.page) }
        if let limit = maxAffected, row.affected > limit { throw RESTError.maxAffectedViolation(rowCount: row.affected) }
    }

    public func response(_ columns: [String?]) throws -> RESTResponse {
        let row = Row(columns)
        var headers: [(String, String)] = []
        var applied: [String] = []
        if let resolution = request.preferences.resolution, case .mutate(let mutate) = plan,
           case .insert(_, let conflict?, _) = mutate.kind, conflict.resolution == resolution {
            applied.append("resolution=\(resolution.rawValue)")
        }
        if let profile = request.profile { headers.append(("Content-Profile", profile)) }
        var contentType = single ? "application/vnd.pgrst.object+json; charset=utf-8" : "application/json; charset=utf-8"
        if request.mediaType.stripsNulls {
            contentType = single ? "application/vnd.pgrst.object+json; nulls=stripped; charset=utf-8"
                : "application/vnd.pgrst.array+json; nulls=stripped; charset=utf-8"
        }
        switch plan {
        case .read(let read) where read.csv: contentType = "text/csv; charset=utf-8"
        case .mutate(let mutate) where mutate.csv: contentType = "text/csv; charset=utf-8"
        case .call(let call) where call.csv && call.result != nil: contentType = "text/csv; charset=utf-8"
        default: break
        }

        switch plan {
        case .read(let read):
            let range = Self.contentRange(offset: read.offset, page: row.page, total: row.total)
            headers.append(("Content-Range", range))
            if let count = request.preferences.count { applied.append("count=\(count.rawValue)") }
            if !applied.isEmpty { headers.append(("Preference-Applied", applied.joined(separator: ", "))) }
            if let total = row.total, read.offset > total {
                throw RESTError.invalidRange(.offsetBeyondTotal(offset: read.offset, total: total))
            }
            headers.append(("Content-Type", contentType))
            let partial = row.total.map { row.page < $0 } ?? false
            return RESTResponse(status: partial && !single ? 206 : 200, headers: headers, body: read.headersOnly ? nil : (row.body ?? "[]"))
        case .mutate(let mutate):
            if let preference = request.preferences.return { applied.append("return=\(preference.rawValue)") }
            if let count = request.preferences.count { applied.append("count=\(count.rawValue)") }
            if request.preferences.transaction == .rollback { applied.append("tx=rollback") }
            if !applied.isEmpty { headers.append(("Preference-Applied", applied.joined(separator: ", "))) }
            let totalPart = mutate.count ? String(row.page) : "*"
            switch mutate.kind {
            case .insert where mutate.singleUpsert:
                // PUT: 204 without a representation; with one, 201 when the row is new, else 200.
                headers.append(("Content-Range", "*/\(totalPart)"))
                guard mutate.representation else { return RESTResponse(status: 204, headers: headers, body: nil) }
                headers.append(("Content-Type", contentType))
                return RESTResponse(status: row.total == 0 ? 200 : 201, headers: headers, body: row.body ?? "[]")
            case .insert:
                headers.append(("Content-Range", "*/\(totalPart)"))
                if mutate.location, let location = Self.location(of: mutate, keys: row.body) {
                    headers.append(("Location", location))
                    return RESTResponse(status: 201, headers: headers, body: nil)
                }
                if mutate.representation {
                    headers.append(("Content-Type", contentType))
                    // A merging upsert that only updated existing rows created nothing: 200.
                    let createdNothing = mutate.mergesDuplicates && row.total == 0 && row.page > 0
                    return RESTResponse(status: createdNothing ? 200 : 201, headers: headers, body: row.body ?? "[]")
                }
                return RESTResponse(status: 201, headers: headers, body: nil)
            case .update:
                headers.append(("Content-Range", row.page > 0 ? "0-\(row.page - 1)/\(totalPart)" : "*/\(totalPart)"))
            case .delete:
                headers.append(("Content-Range", "*/\(totalPart)"))
            }
            if mutate.representation {
                headers.append(("Content-Type", contentType))
                return RESTResponse(status: 200, headers: headers, body: row.body ?? "[]")
            }
            return RESTResponse(status: 204, headers: headers, body: nil)
        case .call(let call):
            if call.returnsVoid { return RESTResponse(status: 204, headers: headers, body: nil) }
            var status = 200
            if call.returnsSet {
                headers.append(("Content-Range", Self.contentRange(offset: call.offset, page: row.page, total: row.total)))
                if let count = request.preferences.count { applied.append("count=\(count.rawValue)") }
                if let total = row.total, call.offset > total {
                    throw RESTError.invalidRange(.offsetBeyondTotal(offset: call.offset, total: total))
                }
                if let total = row.total, row.page < total, !single { status = 206 }
            }
            if !applied.isEmpty { headers.append(("Preference-Applied", applied.joined(separator: ", "))) }
            headers.append(("Content-Type", contentType))
            return RESTResponse(status: status, headers: headers, body: call.headersOnly ? nil : (row.body ?? "null"))
        }
    }

    /// `first-last/total`, `*/total` when no row came back; `*` for an unknown total.
    static func contentRange(offset: Int, page: Int, total: Int?) -> String {
        let totalPart = total.map(String.init) ?? "*"
        return page > 0 ? "\(offset)-\(offset + page - 1)/\(totalPart)" : "*/\(totalPart)"
    }

    /// `/table?pk=eq.value` for the primary key of the first written row (JSON object text).
    static func location(of mutate: MutatePlan, keys: String?) -> String? {
        guard let keys, let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(keys.utf8)) else { return nil }
        let filters = mutate.primaryKey.map { column -> String in
            let value: String
            switch object[column] {
            case .string(let text)?: value = text
            case .number(let number)?: value = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            case .bool(let flag)?: value = String(flag)
            default: value = "null"
            }
            let name = column.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? column
            return name + "=eq." + (value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? value)
        }
        let table = mutate.relation.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? mutate.relation.name
        return "/\(table)?" + filters.joined(separator: "&")
    }
}

extension CharacterSet {
    /// Characters left as they are in a query value: unreserved ones (RFC 3986).
    static let urlQueryValueAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
