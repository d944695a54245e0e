import AppConfig
import Foundation
import NIOCore
import NIOPosix

/// The process's threads. One group of NIO event loops does the network I/O of HTTP clients and
/// database connections and also runs every Swift task, so an `await` on a database answer
/// resumes on the loop that read it rather than on another thread that must be woken.
///
/// The group is sized from `VISIONARY_EVENT_LOOP_THREADS` (see `AppConfig.eventLoopThreads`):
/// beside the embedded database, half the processors. Measured with `make bench` on two
/// processors, one loop instead of two cut the server's CPU per REST read by about a third,
/// mostly thread wake-ups and context switches.
public enum EventLoops {
    /// Sizes the shared group and makes it Swift concurrency's global executor. Call it first
    /// thing in `main`, before anything uses NIO; a malformed setting falls back to the default
    /// here and is reported when the command reads its configuration.
    public static func install(environment: [String: String]) {
        let config = (try? AppConfig(environment: environment, workingDirectory: ".")) ?? AppConfig()
        NIOSingletons.groupLoopCountSuggestion = config.resolvedEventLoopThreads(processors: System.coreCount)
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
