import Core
import Foundation
import Tokens

/// `POST /object/list-v2/{bucket}`: Supabase Storage's cursor-based listing. Flat (every object
/// under `prefix`) or, `with_delimiter`, one level (objects plus a folder per common prefix up
/// to the next `/`); names are full paths, folders end with `/`. Pages hold up to `limit`
/// entries (default and most 1000); `nextCursor` continues after the last one in the same
/// order. Rows the caller may not read are never listed (RLS, as every storage read).
extension StorageService {
    /// The options of one list-v2 request, checked.
    struct ListingV2: Equatable {
        var bucket: String
        var prefix: String
        var limit: Int
        var delimited: Bool
        var column: String
        var ascending: Bool
        /// The cursor's position: the last entry's name (a folder's with its `/`), and for a
        /// timestamp order its value.
        var afterName: String?
        var afterTime: String?

        static let columns = ["name", "updated_at", "created_at"]
    }

    func listV2(_ caller: Caller, bucket: String, body: [String: JSONValue]) async throws -> String {
        let listing = try Self.listingV2(bucket: bucket, body: body)
        let text = try await self.text(caller, StorageSQL.listV2(listing)) ?? "[]"
        let rows = try JSONDecoder().decode([JSONValue].self, from: Data(text.utf8))
        return Self.pageV2(rows, listing)
    }

    static func listingV2(bucket: String, body: [String: JSONValue]) throws(StorageError) -> ListingV2 {
        let prefix = try body["prefix"].map { value throws(StorageError) -> String in
            guard case .string(let text) = value, text.utf8.count <= 1024, !text.contains("\u{0}") else {
                throw .invalidRequest("body/prefix must be a string of at most 1024 bytes")
            }
            return text
        } ?? ""
        let limit = try integer(body["limit"], "body/limit", in: 1...RequestInteger.maxCount) ?? 1000
        var delimited = false
        switch body["with_delimiter"] {
        case nil, .null?: break
        case .bool(let flag)?: delimited = flag
        default: throw .invalidRequest("body/with_delimiter must be boolean")
        }
        var listing = ListingV2(bucket: bucket, prefix: prefix, limit: min(limit, 1000), delimited: delimited, column: "name", ascending: true)
        if let sort = body["sortBy"], sort != .null {
            guard case .object(let members) = sort, let column = members["column"]?.stringValue, ListingV2.columns.contains(column) else {
                throw .invalidRequest("body/sortBy/column must be equal to one of the allowed values")
            }
            listing.column = column
            switch members["order"] {
            case nil, .null?: break
            case .string("asc")?: break
            case .string("desc")?: listing.ascending = false
            default: throw .invalidRequest("body/sortBy/order must be equal to one of the allowed values")
            }
        }
        if let cursor = body["cursor"], cursor != .null {
            guard case .string(let text) = cursor, let position = Self.cursorFields(text) else {
                throw .invalidRequest("Invalid Parameter continuation token")
            }
            // The cursor's own order wins over the body's, so a page continues as it began.
            if let column = position["c"] {
                guard ListingV2.columns.contains(column) else { throw .invalidRequest("Invalid Parameter continuation token") }
                listing.column = column
            }
            listing.ascending = position["o"] != "desc"
            listing.afterName = position["l"]
            listing.afterTime = listing.column == "name" ? nil : position["a"]
            guard listing.afterName != nil, listing.column == "name" || listing.afterTime.map(Self.isTimestamp) == true else {
                throw .invalidRequest("Invalid Parameter continuation token")
            }
        }
        return listing
    }

    /// Whether a cursor's time is one the server wrote (`2026-12-03T10:00:00.123Z`).
    static func isTimestamp(_ text: String) -> Bool {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return text.utf8.count <= 40 && formatter.date(from: text) != nil
    }

    /// The `k:v` lines of a base64 cursor, or nil when it is not one.
    static func cursorFields(_ cursor: String) -> [String: String]? {
        guard cursor.utf8.count <= 8192, let data = Data(base64Encoded: cursor) else { return nil }
        var fields: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }

    /// Up to `limit` of the rows (the statement fetched one more, to know whether there is a
    /// next page), split into folders and objects, with the cursor of the page that follows.
    static func pageV2(_ rows: [JSONValue], _ listing: ListingV2) -> String {
        let page = rows.prefix(listing.limit)
        var folders: [JSONValue] = [], objects: [JSONValue] = []
        for row in page {
            guard case .object(var members) = row else { continue }
            let isFolder = members.removeValue(forKey: "folder") == .bool(true)
            members.removeValue(forKey: "sort_name")
            members.removeValue(forKey: "sort_time")
            if !listing.delimited { members.removeValue(forKey: "key") }
            if isFolder { folders.append(.object(members)) } else { objects.append(.object(members)) }
        }
        var answer: [String: JSONValue] = ["hasNext": .bool(rows.count > listing.limit), "folders": .array(folders), "objects": .array(objects)]
        if rows.count > listing.limit, let last = page.last, let name = last["sort_name"]?.stringValue {
            var lines = ["l:" + name, "o:" + (listing.ascending ? "asc" : "desc"), "c:" + listing.column]
            if listing.column != "name", let time = last["sort_time"]?.stringValue { lines.append("a:" + time) }
            answer["nextCursor"] = .string(Data(lines.joined(separator: "\n").utf8).base64EncodedString())
            // The key names a folder without its slash, as Supabase Storage's does; the cursor keeps
            // it, so an object and a folder of the same name stay two entries.
            answer["nextCursorKey"] = .string(last["folder"] == .bool(true) && name.hasSuffix("/") ? String(name.dropLast()) : name)
        }
        return JSONValue.object(answer).jsonText
    }
}
