import Hummingbird
import NIOCore
import Tokens

/// The request context of every route: Hummingbird's core storage, the peer's address (which
/// rate limits key on), and the caller once a surface's `CallerMiddleware` has resolved it.
public struct AppRequestContext: AddressedRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer; its text form is made only when asked for (`remoteAddress`).
    public let peer: SocketAddress?
    /// Who is calling, set by the surface's caller middleware; nil before it, or when the
    /// request carries no credentials and the surface admits that.
    public var caller: Caller?
    /// Why the credentials were refused, when the surface lets requests that need no caller go
    /// on (`CallerDeferral`): a handler that needs one fails with this instead.
    public var callerRefusal: (any Error & Sendable)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress
    }
}

/// The context of a handler that runs only for a resolved caller: routes registered in a
/// `group(context: CallerRequestContext.self)` behind a `CallerMiddleware` cannot be reached
/// without one (the deferred refusal or `CallerRequired` is thrown instead, and the surface's
/// error middleware answers it).
public struct CallerRequestContext: ChildRequestContext, AddressedRequestContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    public let peer: SocketAddress?
    public let caller: Caller

    public init(context: AppRequestContext) throws {
        guard let caller = context.caller else { throw context.callerRefusal ?? CallerRequired() }
        coreContext = context.coreContext
        peer = context.peer
        self.caller = caller
    }
}

/// A route that needs a caller was reached without credentials.
public struct CallerRequired: Error, Equatable {
    public init() {}
}

/// A request context that knows the client's address (which rate limits and session records use).
public protocol AddressedRequestContext: RequestContext {
    var peer: SocketAddress? { get }
}

extension AddressedRequestContext {
    /// The client's IP address, when the connection has one.
    public var remoteAddress: String? { peer?.ipAddress }
}
