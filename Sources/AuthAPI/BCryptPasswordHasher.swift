import NIOPosix
import PasswordHashing

/// bcrypt at the configured cost, run on NIO's blocking thread pool so that hashing (tens of
/// milliseconds by design) never holds an event loop.
public struct BCryptPasswordHasher: PasswordHasher {
    let cost: Int
    let pool: NIOThreadPool

    public init(cost: Int, pool: NIOThreadPool = .singleton) {
        self.cost = cost
        self.pool = pool
    }

    public func hash(_ password: String) async throws -> String {
        try await pool.runIfActive { [cost] in try BCrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async -> Bool {
        (try? await pool.runIfActive { BCrypt.verify(password, against: hash) }) ?? false
    }
}
