/// A schema the server owns, and whether client roles reach it as themselves. In an exposed
/// schema a client's request runs as `anon` or `authenticated`, so row-level security is what
/// stands between one user and another's rows; an owner-only schema is reached only through
/// the server's owner connection and the functions granted out of it.
public struct ServedSchema: Sendable, Equatable {
    public var name: String
    public var exposed: Bool
    /// Who reaches it, in a few words (for the report).
    public var reachedBy: String

    public init(name: String, exposed: Bool, reachedBy: String) {
        self.name = name
        self.exposed = exposed
        self.reachedBy = reachedBy
    }

    /// The server's schemas: `public` (REST and RPC as the caller) and `storage` (the Storage
    /// API as the caller) are exposed; `auth` (the Auth API as schema owner) and `internal`
    /// (helpers, queues, the migration record) grant client roles nothing but functions.
    public static let served: [ServedSchema] = [
        ServedSchema(name: "public", exposed: true, reachedBy: "REST and RPC, as the caller"),
        ServedSchema(name: "storage", exposed: true, reachedBy: "the Storage API, as the caller"),
        ServedSchema(name: "auth", exposed: false, reachedBy: "the Auth API, as schema owner"),
        ServedSchema(name: "internal", exposed: false, reachedBy: "server code and granted functions only"),
    ]

    /// The roles end users' requests run as.
    public static let clientRoles = ["anon", "authenticated"]

    /// The role trusted server code runs as; it bypasses row-level security.
    public static let serviceRole = "service_role"
}

extension Array where Element == ServedSchema {
    /// Whether `schema` is one of the exposed ones (a schema not listed is treated as exposed:
    /// the rules then ask the most of it).
    public func isExposed(_ schema: String) -> Bool {
        first { $0.name == schema }?.exposed ?? true
    }
}
