import AppConfig
import Core
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends messages to a relay, one connection per message: greeting, `EHLO`, `STARTTLS` when the
/// relay offers it (or TLS from the start for `smtps://`), `AUTH PLAIN` or `AUTH LOGIN` when the
/// relay URL has credentials, `MAIL FROM`, `RCPT TO`, `DATA`, `QUIT`. Credentials never cross an
/// unencrypted connection except to a relay on loopback. The whole conversation has a deadline.
public struct SMTPClient: Sendable {
    let relay: SMTPRelay
    let tls: TLSConfiguration
    let heloName: String
    let timeout: Duration
    let group: any EventLoopGroup

    /// - Parameters:
    ///   - trustRootsFile: PEM certificates to trust instead of the system's.
    ///   - heloName: the name this client gives in `EHLO`.
    public init(
        relay: SMTPRelay, trustRootsFile: String? = nil, heloName: String = "localhost", timeout: Duration = .seconds(60),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let trustRootsFile { configuration.trustRoots = .file(trustRootsFile) }
        self.relay = relay
        self.tls = configuration
        self.heloName = heloName
        self.timeout = timeout
        self.group = group
    }

    /// Hands `message` to the relay. Throws `SMTPFailure`: `permanent` when the relay refused it
    /// for good (a 5xx reply), otherwise worth another attempt later.
    public func send(_ message: MailMessage, date: Date, id: String) async throws {
        guard let sender = MailAddress.bare(message.sender), let recipient = MailAddress.bare(message.recipient) else {
            throw SMTPFailure(permanent: true, reason: "the sender or the recipient is not a mail address")
        }
        let data = Self.dotStuffed(message.rendered(date: date, id: id))
        do {
            try await withDeadline(timeout) { [self] in
                try await converse(sender: sender, recipient: recipient, data: data)
            }
        } catch let failure as SMTPFailure {
            throw failure
        } catch {
            throw SMTPFailure(permanent: false, reason: "\(relay.host):\(relay.port): \(error)")
        }
    }

    func converse(sender: String, recipient: String, data: String) async throws {
        let implicitTLS = relay.security == .implicitTLS
        // Made per message: a trust-roots file that cannot be read fails the attempt, not the server.
        let (tls, host) = (try NIOSSLContext(configuration: self.tls), relay.host)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(15))
            .connect(host: relay.host, port: relay.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var session = Session(replies: ReplyReader(inbound.makeAsyncIterator()), outbound: outbound)
            try await session.expect(220, after: nil)
            var extensions = try await session.command("EHLO \(heloName)", expect: 250).extensions
            var encrypted = implicitTLS
            if !encrypted, extensions.contains("STARTTLS") {
                _ = try await session.command("STARTTLS", expect: 220)
                // Bytes that came with the 220 would be read as if they were encrypted.
                guard session.replies.isEmpty else { throw SMTPFailure(permanent: false, reason: "the relay sent data after STARTTLS") }
                try await channel.channel.eventLoop.submit {
                    try channel.channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)), position: .first)
                }.get()
                encrypted = true
                extensions = try await session.command("EHLO \(heloName)", expect: 250).extensions
            }
            if let username = relay.username {
                guard encrypted || Self.isLoopback(relay.host) else {
                    throw SMTPFailure(permanent: false, reason: "the relay offers no TLS; its credentials are not sent in the clear")
                }
                try await session.authenticate(username: username, password: relay.password ?? "", extensions: extensions)
            }
            // A 5xx refusal of the message itself is final; of anything before it (a wrong
            // password, say) it is the relay's set-up, which may be mended: tried again later.
            _ = try await session.command("MAIL FROM:<\(sender)>", expect: 250, final: true)
            _ = try await session.command("RCPT TO:<\(recipient)>", expect: 250, 251, final: true)
            _ = try await session.command("DATA", expect: 354, final: true)
            _ = try await session.command(data + ".", expect: 250, shown: "(message)", final: true)
            _ = try? await session.command("QUIT", expect: 221)
        }
    }

    /// The message with every line that starts with `.` given a second one (RFC 5321 4.5.2),
    /// lines ended by CRLF, the last one too.
    static func dotStuffed(_ text: String) -> String {
        var lines = text.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n"
    }

    /// The name sent for SNI: none for an IP address, which SNI cannot carry.
    static func sniName(_ host: String) -> String? {
        host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// One conversation: a command, the relay's reply, and whether it is the one expected.
    struct Session {
        var replies: ReplyReader
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

        /// Sends `line` and reads the reply, which must have one of `codes`. `final`: a 5xx
        /// reply is a permanent failure. `shown`: how the command is named in an error.
        mutating func command(_ line: String, expect codes: Int..., shown: String? = nil, final: Bool = false) async throws -> Reply {
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
            return try await expect(codes, after: shown ?? line, final: final)
        }

        mutating func expect(_ code: Int, after command: String?) async throws {
            _ = try await expect([code], after: command, final: false)
        }

        mutating func expect(_ codes: [Int], after command: String?, final: Bool) async throws -> Reply {
            let reply = try await replies.next()
            guard codes.contains(reply.code) else {
                // What was sent is named without its arguments: they may be credentials.
                let sent = command.map { String($0.prefix(while: { $0 != " " && $0 != ":" }).prefix(12)) } ?? "connecting"
                throw SMTPFailure(permanent: final && reply.code >= 500, reason: "\(sent): \(reply.code) \(reply.text.prefix(300))")
            }
            return reply
        }

        mutating func authenticate(username: String, password: String, extensions: Set<String>) async throws {
            let mechanisms = extensions.first(where: { $0.hasPrefix("AUTH ") }).map { Set($0.split(separator: " ").dropFirst().map(String.init)) } ?? []
            if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
                let token = Data(("\0" + username + "\0" + password).utf8).base64EncodedString()
                _ = try await command("AUTH PLAIN \(token)", expect: 235, shown: "AUTH")
            } else {
                _ = try await command("AUTH LOGIN", expect: 334)
                _ = try await command(Data(username.utf8).base64EncodedString(), expect: 334, shown: "AUTH")
                _ = try await command(Data(password.utf8).base64EncodedString(), expect: 235, shown: "AUTH")
            }
        }
    }

    /// A reply: its code and text (the lines joined); `extensions` are the upper-cased lines
    /// after the first of an `EHLO` reply.
    struct Reply {
        let code: Int
        let lines: [String]

        var text: String { lines.joined(separator: " / ") }
        var extensions: Set<String> { Set(lines.dropFirst().map { $0.uppercased() }) }
    }

    /// Replies read from the connection: lines of `NNN-text` ended by one of `NNN text`.
    struct ReplyReader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var buffer = ByteBuffer()
        static let maximumLine = 4_096
        static let maximumLines = 100

        init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
            self.iterator = iterator
        }

        var isEmpty: Bool { buffer.readableBytes == 0 }

        mutating func next() async throws -> Reply {
            var lines: [String] = []
            while true {
                let line = try await nextLine()
                let bytes = Array(line.utf8)
                guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)), (200...599).contains(code) else {
                    throw SMTPFailure(permanent: false, reason: "not an SMTP reply: \(line.prefix(80))")
                }
                lines.append(String(decoding: bytes.dropFirst(4), as: UTF8.self))
                if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return Reply(code: code, lines: lines) }
                guard lines.count < Self.maximumLines else { throw SMTPFailure(permanent: false, reason: "a reply of too many lines") }
            }
        }

        mutating func nextLine() async throws -> String {
            while true {
                let view = buffer.readableBytesView
                if let newline = view.firstIndex(of: UInt8(ascii: "\n")) {
                    let length = newline - view.startIndex
                    var line = buffer.readString(length: length) ?? ""
                    buffer.moveReaderIndex(forwardBy: 1)
                    if line.hasSuffix("\r") { line.removeLast() }
                    return line
                }
                guard buffer.readableBytes < Self.maximumLine else { throw SMTPFailure(permanent: false, reason: "a reply line too long") }
                guard var more = try await iterator.next() else { throw SMTPFailure(permanent: false, reason: "the relay closed the connection") }
                buffer.writeBuffer(&more)
            }
        }
    }
}

/// Why a message was not handed over. `permanent`: the relay refused it for good (a 5xx reply,
/// or an address that is not one); another attempt would fail the same way.
public struct SMTPFailure: Error, CustomStringConvertible {
    public let permanent: Bool
    public let reason: String

    public var description: String { reason }
}
