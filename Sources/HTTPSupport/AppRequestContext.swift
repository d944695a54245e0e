import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the peer's address,
/// which rate limits key on.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address, when the connection has one.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
