import AppConfig
import Core
import Database
import Foundation
import Logging
import NIOCore
import ObjectStore
import Tokens

/// Buckets: list, get, and the service-role changes (create, update, empty, delete).
extension StorageService {
    func listBuckets(_ caller: Caller, query: [String: String]) async throws -> String {
        let limit = try Self.integer(query["limit"].map(JSONValue.string), "limit", in: 0...RequestInteger.maxCount)
        let offset = try Self.integer(query["offset"].map(JSONValue.string), "offset", in: 0...RequestInteger.maxCount) ?? 0
        let statement = StorageSQL.listBuckets(
            limit: limit, offset: offset, sortColumn: query["sortColumn"] ?? "name",
            ascending: query["sortOrder"]?.lowercased() != "desc", search: query["search"].flatMap { $0.isEmpty ? nil : $0 })
        return try await text(caller, statement) ?? "[]"
    }

    func bucket(_ caller: Caller, id: String) async throws -> String {
        guard let json = try await text(caller, StorageSQL.bucket(try ObjectPath.bucket(id))) else { throw StorageError.bucketNotFound }
        return json
    }

    func createBucket(_ caller: Caller, body: [String: JSONValue]) async throws -> String {
        guard let id = (body["id"] ?? body["name"])?.stringValue else { throw StorageError.invalidRequest("body must have required property 'name'") }
        let bucketID = try ObjectPath.newBucket(id)
        let name = try ObjectPath.newBucket(body["name"]?.stringValue ?? bucketID)
        let sizeLimit = try Self.sizeLimit(body["file_size_limit"]) ?? nil
        let mimeTypes = try Self.mimeTypes(body["allowed_mime_types"]) ?? nil
        let isPublic = Self.bool(body["public"]) ?? false
        _ = try await transaction(caller) { tx in
            try await tx.text(StorageSQL.createBucket(id: bucketID, name: name, isPublic: isPublic, sizeLimit: sizeLimit, mimeTypes: mimeTypes))
        }
        return #"{"name":\#(name.jsonQuoted)}"#
    }

    func updateBucket(_ caller: Caller, id: String, body: [String: JSONValue]) async throws -> String {
        let statement = StorageSQL.updateBucket(
            id: try ObjectPath.bucket(id), isPublic: Self.bool(body["public"]),
            sizeLimit: try Self.sizeLimit(body["file_size_limit"]), mimeTypes: try Self.mimeTypes(body["allowed_mime_types"]))
        guard try await text(caller, statement, readOnly: false) != nil else { throw StorageError.bucketNotFound }
        return #"{"message":"Successfully updated"}"#
    }

    func emptyBucket(_ caller: Caller, id: String) async throws -> String {
        guard try await text(caller, StorageSQL.emptyBucket(try ObjectPath.bucket(id)), readOnly: false) != nil else {
            throw StorageError.bucketNotFound
        }
        return #"{"message":"Successfully emptied"}"#
    }

    func deleteBucket(_ caller: Caller, id: String) async throws -> String {
        let deleted = try await transaction(caller, foreignKey: .bucketNotEmpty) { tx in
            try await tx.text(StorageSQL.deleteBucket(try ObjectPath.bucket(id)))
        }
        guard deleted != nil else { throw StorageError.bucketNotFound }
        return #"{"message":"Successfully deleted"}"#
    }

    /// `file_size_limit`: absent → nil; null → .some(nil); bytes as a number, or a string such
    /// as `"5MB"` (B, KB, MB, GB with 1024 steps).
    static func sizeLimit(_ value: JSONValue?) throws(StorageError) -> Int?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .number(let number)? where number >= 1 && number < 9e15 && number.rounded() == number: return .some(Int(number))
        case .string(let text)?:
            let trimmed = text.trimmingBlanks().uppercased()
            let units: [(String, Int)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
            let (digits, factor) = units.first { trimmed.hasSuffix($0.0) }.map { (String(trimmed.dropLast($0.0.count)).trimmingBlanks(), $0.1) } ?? (trimmed, 1)
            guard let number = Double(digits), number > 0, number * Double(factor) < 9e15 else {
                throw .invalidRequest("invalid file_size_limit \(text)")
            }
            return .some(Int(number * Double(factor)))
        default: throw .invalidRequest("invalid file_size_limit")
        }
    }

    static func mimeTypes(_ value: JSONValue?) throws(StorageError) -> [String]?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .array(let items)?:
            let types = items.compactMap(\.stringValue)
            guard types.count == items.count else { throw .invalidRequest("allowed_mime_types must be strings") }
            return .some(types)
        default: throw .invalidRequest("allowed_mime_types must be an array")
        }
    }

    static func bool(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let flag)?: return flag
        case .string(let text)?: return text.lowercased() == "true" ? true : (text.lowercased() == "false" ? false : nil)
        default: return nil
        }
    }

    /// The integer `name` of a body or query: nil when absent; a whole JSON number, or a string of
    /// digits, in `range`; anything else is a 400 naming the parameter and the range.
    static func integer(_ value: JSONValue?, _ name: String, in range: ClosedRange<Int>) throws(StorageError) -> Int? {
        let number: Int?
        switch value {
        case nil: return nil
        case .number(let double)?: number = RequestInteger.exact(double, in: range)
        case .string(let text)?: number = RequestInteger.parse(text.trimmingBlanks(), in: range)
        default: number = nil
        }
        guard let number else {
            throw .invalidRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
