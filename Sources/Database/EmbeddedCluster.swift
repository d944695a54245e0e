import Core
import AppConfig
import Crypto
import Foundation
import Logging
import PostgresNIO

/// The private PostgreSQL cluster that runs when no `DATABASE_URL` is configured: binaries from
/// the set-up script, data in the project's data folder (or, when the database user cannot reach
/// that folder, in a private folder under the system temp dir), loopback only, password login.
public struct EmbeddedCluster: Sendable {
    /// Name of the database the server uses inside the cluster.
    public static let databaseName = "visionary"
    /// The cluster's superuser, which owns the schema.
    public static let superuser = "postgres"

    public let binDirectory: String
    public let dataDirectory: String
    /// PGDATA: the cluster's own folder, owned by `user`.
    public let clusterDirectory: String
    public let user: SystemUser?
    public let configuredPort: Int
    /// `max_connections` of the cluster.
    public var maxConnections = 300

    var logFile: String { clusterDirectory + "/postgres.log" }
    var passwordFile: String { dataDirectory + "/postgres-password" }

    /// Finds the binaries and decides where the cluster lives; creates nothing yet.
    public static func locate(config: AppConfig) throws -> EmbeddedCluster {
        let bin = try findBinaries(config: config)
        let user = try SystemUser.forDatabase()
        let dataDirectory = config.resolvedDataDirectory
        try createDirectory(dataDirectory, mode: 0o755)
        var parent = dataDirectory
        if !SystemProcess.canReach(dataDirectory, as: user) {
            // CI and home folders can be root-only: keep the cluster in a private temp folder,
            // named after the data folder so restarts find it again.
            let digest = Data(SHA256.hash(data: Data(dataDirectory.utf8))).prefix(6).hexString
            parent = NSTemporaryDirectory().trimmingTrailingSlash() + "/visionary-db-" + digest
            try createDirectory(parent, mode: 0o711)
            guard SystemProcess.canReach(parent, as: user) else {
                throw EmbeddedClusterError.unreachable(parent, user: user?.name ?? "")
            }
        }
        var cluster = EmbeddedCluster(
            binDirectory: bin, dataDirectory: dataDirectory, clusterDirectory: parent + "/postgres",
            user: user, configuredPort: config.embeddedDatabasePort)
        cluster.maxConnections = config.embeddedMaxConnections
        return cluster
    }

    public static func findBinaries(config: AppConfig) throws -> String {
        let relative = "postgresql-0.1.6/pgserver/pginstall/bin"
        let candidates = config.postgresBinDirectory.map { [$0] } ?? [
            config.workingDirectory.trimmingTrailingSlash() + "/.tools/" + relative,
            NSTemporaryDirectory().trimmingTrailingSlash() + "/visionary-" + relative,
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate + "/postgres") {
            return candidate
        }
        throw EmbeddedClusterError.binariesMissing(candidates)
    }

    /// Creates the cluster (initdb) on first use, with a generated superuser password.
    public func initializeIfNeeded(logger: Logger) throws {
        if FileManager.default.fileExists(atPath: clusterDirectory + "/PG_VERSION") { return }
        logger.info("creating the embedded PostgreSQL cluster", metadata: ["path": "\(clusterDirectory)"])
        let password = try superuserPassword()
        try? FileManager.default.removeItem(atPath: clusterDirectory)
        try Self.createDirectory(clusterDirectory, mode: 0o700, owner: user)
        // initdb reads the password from a file the database user can read; it lives only
        // for the duration of the call, inside the cluster's own private folder's parent.
        let passwordFile = URL(fileURLWithPath: clusterDirectory).deletingLastPathComponent().path + "/.initdb-pw-\(getpid())"
        FileManager.default.createFile(atPath: passwordFile, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        if let user { chown(passwordFile, user.uid, user.gid) }
        let result = try SystemProcess.run([
            binDirectory + "/initdb", "-D", clusterDirectory, "-U", Self.superuser, "--pwfile=" + passwordFile,
            "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
        ], as: user)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: clusterDirectory)
            throw EmbeddedClusterError.initdbFailed(result.output)
        }
    }

    /// The port of the cluster when it is running (whoever started it), read from postmaster.pid.
    public func runningPort() -> Int? {
        guard let text = try? String(contentsOfFile: clusterDirectory + "/postmaster.pid", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 3, let pid = Int32(lines[0]), kill(pid, 0) == 0 || errno == EPERM,
              let port = Int(lines[3]) else { return nil }
        return port
    }

    /// Login of the cluster's superuser on the given port.
    public func endpoint(port: Int) throws -> DatabaseEndpoint {
        DatabaseEndpoint(
            host: "127.0.0.1", port: port, username: Self.superuser, password: try superuserPassword(),
            database: Self.databaseName)
    }

    /// Starts PostgreSQL as a child that cannot outlive this process: it is watched through a
    /// pipe, and when this process ends for any reason (even a crash or SIGKILL) the pipe closes
    /// and PostgreSQL is shut down fast.
    public func startSupervised(logger: Logger) async throws -> SupervisedPostgres {
        try initializeIfNeeded(logger: logger)
        let port = try configuredPort == 0 ? Self.freePort() : configuredPort
        let postgres = [binDirectory + "/postgres"] + serverArguments(port: port)
        // The shell runs PostgreSQL in the background and waits; a second branch reads the pipe
        // until end of file and then asks PostgreSQL for a fast shutdown (SIGINT).
        let script = """
            exec 3<&0
            "$@" </dev/null &
            pg=$!
            { while read -r _ <&3; do :; done; kill -INT "$pg" 2>/dev/null; } &
            wait "$pg"
            """
        // The pipe closes on exec, so the only copy of its write end is ours (the child gets the
        // read end as its stdin): when this process ends, however it ends, the pipe closes.
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0 else {
            throw EmbeddedClusterError.startFailed("cannot create a pipe")
        }
        defer { close(ends[0]) }
        let log = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard log >= 0 else { close(ends[1]); throw EmbeddedClusterError.unwritable(logFile) }
        defer { close(log) }
        if let user { chown(logFile, user.uid, user.gid) }
        let process: ChildProcess
        do {
            process = try ChildProcess(
                arguments: ["/bin/sh", "-c", script, "visionary-postgres"] + (user?.wrapping(postgres) ?? postgres),
                stdin: ends[0], stdout: log, stderr: log)
        } catch {
            close(ends[1])
            throw error
        }
        let watch = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        let supervised = SupervisedPostgres(process: process, watch: watch, port: port)
        do {
            try await waitUntilReady(port: port, while: { process.isRunning })
            try await ensureDatabase(port: port, logger: logger)
        } catch {
            await supervised.stop()
            throw error
        }
        return supervised
    }

    /// Starts PostgreSQL in the background, independent of this process (`visionary db start`).
    public func startDetached(logger: Logger) async throws -> Int {
        if let port = runningPort() { return port }
        try initializeIfNeeded(logger: logger)
        let port = try configuredPort == 0 ? Self.freePort() : configuredPort
        let options = serverArguments(port: port).dropFirst(2).map { "'\($0)'" }.joined(separator: " ")
        let result = try SystemProcess.run([
            binDirectory + "/pg_ctl", "start", "-D", clusterDirectory, "-l", logFile, "-w", "-t", "60",
            "-o", "-p \(port) " + options,
        ], as: user)
        guard result.status == 0 else { throw EmbeddedClusterError.startFailed(try logTail()) }
        try await ensureDatabase(port: port, logger: logger)
        return port
    }

    /// Stops a running cluster (fast shutdown). Returns false when it was not running.
    @discardableResult
    public func stop() throws -> Bool {
        guard runningPort() != nil else { return false }
        let result = try SystemProcess.run([binDirectory + "/pg_ctl", "stop", "-D", clusterDirectory, "-m", "fast", "-w"], as: user)
        guard result.status == 0 else { throw EmbeddedClusterError.stopFailed(result.output) }
        return true
    }

    /// Stops the cluster if it runs and deletes its data.
    public func destroy() throws {
        try stop()
        try? FileManager.default.removeItem(atPath: clusterDirectory)
    }

    func serverArguments(port: Int) -> [String] {
        [
            "-D", clusterDirectory, "-p", String(port),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            "-c", "max_connections=\(maxConnections)",
            "-c", "shared_buffers=128MB",
            "-c", "fsync=on",
        ]
    }

    /// The superuser's password, generated on first use and kept (mode 0600) in the data folder.
    func superuserPassword() throws -> String {
        if let existing = try? String(contentsOfFile: passwordFile, encoding: .utf8) {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let password = SecretGenerator.hex(bytes: 24)
        guard FileManager.default.createFile(
            atPath: passwordFile, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        else { throw EmbeddedClusterError.unwritable(dataDirectory) }
        return password
    }

    func waitUntilReady(port: Int, while alive: @Sendable () -> Bool) async throws {
        let endpoint = try endpoint(port: port).with(database: "postgres")
        let logger = Logger(label: "visionary.embedded-postgres.probe", factory: { _ in SwiftLogNoOpLogHandler() })
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard alive() else { throw EmbeddedClusterError.startFailed(try logTail()) }
            if let connection = try? await PostgresConnection.connect(
                configuration: .init(
                    host: endpoint.host, port: endpoint.port, username: endpoint.username,
                    password: endpoint.password, database: endpoint.database, tls: .disable),
                id: 0, logger: logger)
            {
                try? await connection.close()
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw EmbeddedClusterError.startFailed("not ready after 60 seconds\n" + (try logTail()))
    }

    /// Creates the server's database inside the cluster when it is missing.
    func ensureDatabase(port: Int, logger: Logger) async throws {
        let endpoint = try endpoint(port: port).with(database: "postgres")
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: endpoint.host, port: endpoint.port, username: endpoint.username,
                password: endpoint.password, database: endpoint.database, tls: .disable),
            id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query(
            "SELECT 1 FROM pg_database WHERE datname = \(Self.databaseName)", logger: logger)
        var exists = false
        for try await _ in rows { exists = true }
        if !exists {
            try await connection.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.databaseName)"), logger: logger)
        }
    }

    func logTail() throws -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").suffix(15).joined(separator: "\n")
        return lines.isEmpty ? "(no output; see \(logFile))" : lines
    }

    /// A port on 127.0.0.1 that nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw EmbeddedClusterError.noFreePort }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw EmbeddedClusterError.noFreePort }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func createDirectory(_ path: String, mode: Int, owner: SystemUser? = nil) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        } catch {
            throw EmbeddedClusterError.unwritable(path)
        }
        if let owner, chown(path, owner.uid, owner.gid) != 0 {
            throw EmbeddedClusterError.unwritable(path)
        }
    }
}

/// A PostgreSQL child process owned by this server; see `EmbeddedCluster.startSupervised`.
public final class SupervisedPostgres: Sendable {
    public let port: Int
    private let process: ChildProcess
    private let watch: FileHandle

    init(process: ChildProcess, watch: FileHandle, port: Int) {
        self.process = process
        self.watch = watch
        self.port = port
    }

    /// Shuts PostgreSQL down (fast: open transactions roll back) and waits for it to exit.
    public func stop() async {
        try? watch.close()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Why the embedded cluster could not be used; each says what to do about it.
public enum EmbeddedClusterError: Error, CustomStringConvertible {
    case binariesMissing([String])
    case noUnprivilegedUser
    case unreachable(String, user: String)
    case unwritable(String)
    case initdbFailed(String)
    case startFailed(String)
    case stopFailed(String)
    case noFreePort

    public var description: String {
        switch self {
        case .binariesMissing(let places):
            return "PostgreSQL binaries not found (looked in \(places.joined(separator: ", "))); "
                + "run scripts/install-postgres.sh or set VISIONARY_PG_BIN"
        case .noUnprivilegedUser:
            return "running as root, but neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL"
        case .unreachable(let path, let user):
            return "the database user '\(user)' cannot reach \(path)"
        case .unwritable(let path):
            return "cannot write the data folder \(path): check its permissions or set VISIONARY_DATA_DIR"
        case .initdbFailed(let output):
            return "initdb failed:\n\(output)"
        case .startFailed(let log):
            return "the embedded PostgreSQL did not start (is its port taken? set VISIONARY_DB_PORT):\n\(log)"
        case .stopFailed(let output):
            return "the embedded PostgreSQL did not stop:\n\(output)"
        case .noFreePort:
            return "no free TCP port on 127.0.0.1 for the embedded PostgreSQL"
        }
    }
}

/// Random secrets from the system's cryptographic generator.
public enum SecretGenerator {
    public static func hex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.hexString
    }
}

extension String {
    func trimmingTrailingSlash() -> String {
        var copy = self
        while copy.count > 1 && copy.hasSuffix("/") { copy.removeLast() }
        return copy
    }
}
