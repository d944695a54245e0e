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

    /// Runs a program to completion. Output goes through a temp file rather than a pipe: a
    /// program that starts a daemon (pg_ctl start) would otherwise hand the pipe on to it.
    static func run(_ arguments: [String], as user: SystemUser? = nil) throws -> Result {
        let command = user?.wrapping(arguments) ?? arguments
        let outputPath = NSTemporaryDirectory() + "visionary-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
        let output = open(outputPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard output >= 0, input >= 0 else { throw EmbeddedClusterError.unwritable(NSTemporaryDirectory()) }
        defer {
            close(output)
            close(input)
            unlink(outputPath)
        }
        let child = try ChildProcess(arguments: command, stdin: input, stdout: output, stderr: output)
        let status = child.waitForExit()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Result(status: status, output: text)
    }

    /// Whether `user` can traverse every folder down to `path` and enter it.
    static func canReach(_ path: String, as user: SystemUser?) -> Bool {
        guard let user else { return FileManager.default.isExecutableFile(atPath: path) }
        return (try? run(["/usr/bin/test", "-x", path], as: user))?.status == 0
    }
}
