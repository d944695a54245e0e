import Core
import Foundation
import SchemaCache

/// `GET /rest/v1/`: an OpenAPI 2.0 description of what the caller's role can reach: the
/// relations with at least one column it may read (only those columns), and the functions it
/// may execute.
public enum OpenAPIDocument {
    public static func render(cache: SchemaCache, role: String, schema: String, functions: [FunctionDescription] = []) -> String {
        var paths: [String: Any] = ["/": ["get": ["summary": "OpenAPI description (this document)", "tags": ["Introspection"],
                                                  "responses": ["200": ["description": "OK"]]]]]
        var definitions: [String: Any] = [:]
        for relation in cache.relations where relation.schema == schema {
            let columns = relation.columns.filter { $0.readableBy.contains(role) }
            guard !columns.isEmpty else { continue }
            var properties: [String: Any] = [:]
            for column in columns {
                var property = Self.property(for: column.type)
                if let comment = column.comment { property["description"] = comment }
                if relation.primaryKey.contains(column.name) {
                    property["description"] = ((property["description"] as? String).map { $0 + "\n\n" } ?? "") + "Note:\nThis is a Primary Key.<pk/>"
                }
                properties[column.name] = property
            }
            var definition: [String: Any] = ["type": "object", "properties": properties]
            let required = columns.filter { !$0.nullable && !$0.hasDefault }.map(\.name)
            if !required.isEmpty { definition["required"] = required }
            if let comment = relation.comment { definition["description"] = comment }
            definitions[relation.name] = definition
            let reference = ["$ref": "#/definitions/\(relation.name)"]
            let rows: [String: Any] = ["description": "OK", "schema": ["type": "array", "items": reference]]
            let filters: [[String: Any]] = columns.map {
                ["name": $0.name, "in": "query", "required": false, "type": "string", "description": "Filter, e.g. eq.value"]
            }
            let common: [[String: Any]] = [
                ["name": "select", "in": "query", "type": "string", "required": false],
                ["name": "order", "in": "query", "type": "string", "required": false],
                ["name": "limit", "in": "query", "type": "string", "required": false],
                ["name": "offset", "in": "query", "type": "string", "required": false],
            ]
            let body: [String: Any] = ["name": "body", "in": "body", "required": false, "schema": reference]
            let tags = [relation.name]
            paths["/\(relation.name)"] = [
                "get": ["tags": tags, "summary": relation.comment ?? relation.name, "parameters": filters + common, "responses": ["200": rows, "206": ["description": "Partial Content"]]],
                "post": ["tags": tags, "parameters": [body], "responses": ["201": ["description": "Created"]]],
                "patch": ["tags": tags, "parameters": filters + [body], "responses": ["204": ["description": "No Content"]]],
                "delete": ["tags": tags, "parameters": filters, "responses": ["204": ["description": "No Content"]]],
            ]
        }
        for routine in cache.routines where routine.schema == schema && routine.isExecutable(by: role) {
            var properties: [String: Any] = [:]
            for parameter in routine.parameters where !parameter.name.isEmpty {
                properties[parameter.name] = Self.property(for: parameter.type)
            }
            let required = routine.parameters.filter { !$0.hasDefault && !$0.name.isEmpty }.map(\.name)
            var argumentsSchema: [String: Any] = ["type": "object", "properties": properties]
            if !required.isEmpty { argumentsSchema["required"] = required }
            var operation: [String: Any] = [
                "tags": ["(rpc) \(routine.name)"],
                "summary": routine.comment ?? routine.name,
                "parameters": [["name": "args", "in": "body", "required": true, "schema": argumentsSchema]],
                "responses": ["200": ["description": "OK"]],
            ]
            operation["produces"] = ["application/json"]
            var path: [String: Any] = ["post": operation]
            if routine.volatility != .volatile { path["get"] = ["tags": ["(rpc) \(routine.name)"], "summary": routine.comment ?? routine.name, "responses": ["200": ["description": "OK"]]] }
            paths["/rpc/\(routine.name)"] = path
        }
        let document: [String: Any] = [
            "swagger": "2.0",
            "info": ["title": "Visionary Server REST API", "description": "PostgREST-compatible API over the \(schema) schema", "version": "1"],
            "basePath": "/rest/v1",
            "schemes": ["http", "https"],
            "consumes": ["application/json", "application/vnd.pgrst.object+json", "text/csv"],
            "produces": ["application/json", "application/vnd.pgrst.object+json", "text/csv"],
            "paths": paths,
            "definitions": definitions,
            "x-functions": functionsExtension(functions),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The OpenAPI type and format of a PostgreSQL type.
    static func property(for type: String) -> [String: Any] {
        if type.hasSuffix("[]") { return ["type": "array", "items": property(for: String(type.dropLast(2))), "format": type] }
        switch type {
        case "integer", "smallint": return ["type": "integer", "format": type]
        case "bigint": return ["type": "integer", "format": "bigint"]
        case "boolean": return ["type": "boolean", "format": type]
        case "double precision", "real": return ["type": "number", "format": type]
        case _ where type.hasPrefix("numeric"): return ["type": "number", "format": type]
        case "json", "jsonb": return ["format": type]
        default: return ["type": "string", "format": type]
        }
    }
}
