import AppConfig
import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is and how to log in: parsed from a `postgres://` URL.
public struct DatabaseEndpoint: Sendable, Equatable {
    public enum TLSMode: Sendable, Equatable {
        /// Plain TCP (`sslmode=disable`, the default for loopback hosts).
        case disable
        /// TLS with certificate and host name verification (`sslmode=require`/`verify-full`,
        /// the default for every other host).
        case verifyFull
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int, username: String, password: String?, database: String, tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=…`.
    public init(url: String) throws(EndpointError) {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { throw .malformed(AppConfig.redactingPassword(url)) }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host)
        let tls: TLSMode
        switch mode {
        case nil: tls = loopback ? .disable : .verifyFull
        case "disable", "allow", "prefer": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .verifyFull
        case let other?: throw .unsupportedSSLMode(other)
        }
        self.init(
            host: host, port: components.port ?? 5432,
            username: components.user ?? "postgres", password: components.password,
            database: database.isEmpty ? (components.user ?? "postgres") : database, tls: tls)
    }

    /// The same server and login, another database.
    public func with(database: String) -> DatabaseEndpoint {
        var copy = self
        copy.database = database
        return copy
    }

    /// The same server and database, another login.
    public func with(username: String, password: String?) -> DatabaseEndpoint {
        var copy = self
        copy.username = username
        copy.password = password
        return copy
    }

    /// The endpoint as a URL that psql and other clients accept.
    public var url: String {
        var components = URLComponents()
        components.scheme = "postgresql"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if tls == .disable && !["127.0.0.1", "localhost", "::1"].contains(host) {
            components.queryItems = [URLQueryItem(name: "sslmode", value: "disable")]
        }
        return components.string ?? "postgresql://\(host):\(port)/\(database)"
    }

    /// Settings for a PostgresNIO connection pool.
    public func clientConfiguration(
        maximumConnections: Int? = nil, sessionSettings: [(String, String)] = []
    ) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch self.tls {
        case .disable: tls = .disable
        case .verifyFull: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        if let maximumConnections {
            configuration.options.maximumConnections = maximumConnections
            configuration.options.minimumConnections = min(configuration.options.minimumConnections, maximumConnections)
        }
        configuration.options.additionalStartupParameters = sessionSettings
        return configuration
    }
}

extension DatabaseEndpoint {
    /// Runs `body` with a running connection pool to this database, shut down afterwards.
    public func withClient<T: Sendable>(
        logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: try clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

/// A database URL that cannot be used.
public enum EndpointError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedSSLMode(String)

    public var description: String {
        switch self {
        case .malformed(let url): return "not a postgres:// URL: \(url)"
        case .unsupportedSSLMode(let mode): return "unsupported sslmode: \(mode)"
        }
    }
}
