import AppConfig
import Foundation
import NIOCore
import NIOPosix

/// The process's threads. One group of NIO event loops does the network I/O of HTTP clients and
/// database connections and also runs every Swift task, so an `await` on a database answer
/// resumes on the loop that read it rather than on another thread that must be woken.
///
/// The group is sized from `VISIONARY_EVENT_LOOP_THREADS` (see `AppConfig.eventLoopThreads`):
/// beside the embedded database, half the processors, at least two. Each loop has its own part
/// of the API database pool (`DatabasePool`), so a request's statements never cross threads. Measured with
/// `make bench` on two processors: with one loop the processors idled 13 % of the time (requests
/// queued behind the one thread while the database waited); two loops with loop-split pools
/// idle 2.5 % and answer 10 % more REST reads. Two loops sharing one pool did worse than one:
/// every database answer crossed threads.
///
/// The loops run Swift's jobs as the global executor does: on the generic executor, which is
/// where every nonisolated `async` function runs (see `GlobalExecutorHook`).
public enum EventLoops {
    /// Sizes the shared group and makes it Swift concurrency's global executor. Call it first
    /// thing in `main`, before anything uses NIO; a malformed setting falls back to the default
    /// here and is reported when the command reads its configuration.
    public static func install(environment: [String: String]) {
        let config = (try? AppConfig(environment: environment, workingDirectory: ".")) ?? AppConfig()
        NIOSingletons.groupLoopCountSuggestion = config.resolvedEventLoopThreads(processors: System.coreCount)
        if !GlobalExecutorHook.install() {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
    }
}

/// Swift concurrency's global executor, replaced by the shared event loop group.
///
/// The runtime asks `swift_task_enqueueGlobal_hook` to run every job that has no executor of its
/// own. NIO's own hook (`unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`)
/// runs such a job as if it were isolated to the event loop's serial executor. A task running
/// there is then never on the generic executor, so every nonisolated `async` function it enters
/// — each middleware, each `withTaskCancellationHandler`, each step of an async sequence — hops:
/// the job goes back through the loop's task queue before it goes on. A REST read took some 170
/// such hops. This hook runs the job on the generic executor instead, as the runtime's own global
/// executor does, so entering a nonisolated function costs a comparison.
enum GlobalExecutorHook {
    /// The runtime's hook type: the job, and the runtime's own enqueue (not used).
    typealias Hook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// The generic executor: the runtime's `SerialExecutorRef::generic()`, two null words.
    /// Swift names it nowhere public; `UnownedSerialExecutor` is exactly those two words.
    static let generic: UnownedSerialExecutor = {
        precondition(MemoryLayout<UnownedSerialExecutor>.size == 2 * MemoryLayout<UInt>.size)
        return unsafeBitCast((UInt(0), UInt(0)), to: UnownedSerialExecutor.self)
    }()

    /// Installs the hook; false when the runtime has none (then NIO's hook is the fallback).
    static func install() -> Bool {
        guard let slot = dlsym(dlopen(nil, RTLD_NOW), "swift_task_enqueueGlobal_hook") else { return false }
        _ = generic  // its layout is checked now, not in the first job
        let hook: Hook = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().execute { job.runSynchronously(on: GlobalExecutorHook.generic) }
        }
        withUnsafeBytes(of: hook) { bytes in
            slot.storeBytes(of: bytes.load(as: UnsafeRawPointer.self), as: UnsafeRawPointer.self)
        }
        return true
    }
}
