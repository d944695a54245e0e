import Foundation

/// A child process spawned with a clean slate: default signal handlers and an empty signal mask
/// (server threads block most signals, and a blocked SIGCHLD would leave a child shell unable to
/// notice its own children exit), a new session (a terminal's Ctrl-C reaches only the server),
/// and the three descriptors it is given (everything else this process opens is close-on-exec).
final class ChildProcess: Sendable {
    let pid: pid_t

    init(arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | Self.spawnSetSID)

        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, cArguments, environ)
        guard status == 0 else { throw EmbeddedClusterError.startFailed("cannot run \(arguments[0]): \(String(cString: strerror(status)))") }
        self.pid = pid
    }

    /// glibc's POSIX_SPAWN_SETSID, which its headers only declare under _GNU_SOURCE.
    private static let spawnSetSID: Int16 = 0x80

    /// Blocks until the child exits; its exit status (128 + signal when killed).
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Whether the child still runs; reaps it once it has exited.
    var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }
}
