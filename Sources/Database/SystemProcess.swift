import Foundation

/// An unprivileged operating-system account to run PostgreSQL as, since PostgreSQL refuses to
/// run as root.
public struct SystemUser: Sendable, Equatable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32

    /// The account PostgreSQL runs as: nil when this process is not root (it runs as us);
    /// otherwise `postgres`, falling back to `nobody`.
    public static func forDatabase() throws -> SystemUser? {
        guard geteuid() == 0 else { return nil }
        for name in ["postgres", "nobody"] {
            if let entry = getpwnam(name) {
                return SystemUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
            }
        }
        throw EmbeddedClusterError.noUnprivilegedUser
    }

    /// The command line that runs `arguments` as this user (through util-linux `setpriv`).
    func wrapping(_ arguments: [String]) -> [String] {
        ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--"] + arguments
    }
}

/// Runs short helper programs (initdb, pg_ctl, test) and collects their output.
enum SystemProcess {
    struct Result {
        let status: Int32
        let output: String
    }

    static func run(_ arguments: [String], as user: SystemUser? = nil) throws -> Result {
        let command = user?.wrapping(arguments) ?? arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Whether `user` can traverse every folder down to `path` and enter it.
    static func canReach(_ path: String, as user: SystemUser?) -> Bool {
        guard let user else { return FileManager.default.isExecutableFile(atPath: path) }
        return (try? run(["/usr/bin/test", "-x", path], as: user))?.status == 0
    }
}
