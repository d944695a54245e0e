import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Fetches a `sourceUrl` for ingestion, when the server allows it at all
/// (`VISIONARY_KNOWLEDGE_URL_FETCH`, off by default): http(s) only, no redirects, the host's every
/// address public (no loopback, private, link-local, carrier-grade NAT or unspecified ones), a
/// size cap and a timeout. What a fetched page holds is the user's business; what the server can
/// reach on its own network is not.
public struct SourceURLFetcher: Sendable {
    let settings: KnowledgeSettings
    let client: HTTPClient

    public init(settings: KnowledgeSettings, client: HTTPClient = .shared) {
        self.settings = settings
        self.client = client
    }

    public func text(of address: String, maxBytes: Int) async throws -> String {
        guard settings.urlFetch else {
            throw SourceTextError.fetchRefused("This server does not fetch URLs (VISIONARY_KNOWLEDGE_URL_FETCH is off): send the page's text as `content`")
        }
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil
        else { throw SourceTextError.fetchRefused("`sourceUrl` must be an http(s) URL without credentials") }
        let checked = try await NIOThreadPool.singleton.runIfActive { try Self.publicAddress(of: host) }
        // The connection goes to the address just checked, not to a second look-up's answer
        // (which a rebinding name server could point inward); no redirects; a read timeout.
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.dnsOverride = [host: checked]
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(15))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { Task { try? await client.shutdown() } }
        var request = HTTPClientRequest(url: address)
        request.headers.add(name: "Accept", value: "text/html, text/plain, text/markdown, application/pdf;q=0.9")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(15))
            body = try await withDeadline(.seconds(30)) { try await response.body.collect(upTo: maxBytes) }
        } catch is DeadlineExceeded {
            throw SourceTextError.unreadable("fetching \(host) took too long")
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw SourceTextError.tooLarge(maxBytes)
        } catch let error as SourceTextError {
            throw error
        } catch {
            throw SourceTextError.unreadable("fetching \(host) failed")
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            throw SourceTextError.unreadable("\(host) answered \(response.status.code)")
        }
        let bytes = Array(body.readableBytesView)
        let type = response.headers.first(name: "content-type")?.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) }
        guard let format = SourceFormat.detect(fileType: type, name: url.path, bytes: Array(bytes.prefix(4096))) else {
            throw SourceTextError.unsupported("\(type ?? "the page") is not text, Markdown, HTML or PDF")
        }
        switch format {
        case .pdf: return try await PDFText(executable: settings.pdftotext).text(of: bytes)
        case .html: return HTMLText.text(String(decoding: bytes, as: UTF8.self))
        case .text, .markdown: return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The host's first address, as text, once every address it has is public; refuses the host otherwise.
    static func publicAddress(of host: String) throws -> String {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else {
            throw SourceTextError.unreadable("\(host) cannot be resolved")
        }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        var chosen: String?
        while let current = entry {
            guard let address = current.pointee.ai_addr, isPublic(address) else {
                throw SourceTextError.fetchRefused("\(host) is a private, loopback or link-local address: not fetched")
            }
            if chosen == nil {
                var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(address, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                    chosen = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
            entry = current.pointee.ai_next
        }
        guard let chosen else { throw SourceTextError.unreadable("\(host) cannot be resolved") }
        return chosen
    }

    static func isPublic(_ address: UnsafeMutablePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            let b = withUnsafeBytes(of: v4) { Array($0) }
            return isPublicV4(b)
        case AF_INET6:
            let b = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
            }
            if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF { return isPublicV4(Array(b[12..<16])) }  // v4-mapped
            if b[0..<12].allSatisfy({ $0 == 0 }) { return false }                           // ::, ::1, v4-compatible
            if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B { return false }      // 64:ff9b::/96 and /48 (NAT64)
            if b[0] == 0x20, b[1] == 0x02 { return isPublicV4(Array(b[2..<6])) }            // 2002::/16 (6to4)
            if b[0] == 0x20, b[1] == 0x01, b[2] == 0x00, b[3] == 0x00 { return false }     // 2001::/32 (Teredo)
            if b[0] == 0xFE, b[1] & 0xC0 == 0xC0 { return false }                           // fec0::/10 site-local
            if b[0] == 0x01, b[1] == 0x00, b[2..<8].allSatisfy({ $0 == 0 }) { return false } // 100::/64 discard
            if b[0] & 0xFE == 0xFC { return false }                                         // fc00::/7 unique local
            if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return false }                           // fe80::/10 link-local
            if b[0] == 0xFF { return false }                                                // multicast
            return true
        default:
            return false
        }
    }

    /// Whether an IPv4 address (network order bytes) is public.
    static func isPublicV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return false
        case (100, 64...127): return false          // carrier-grade NAT
        case (169, 254): return false               // link-local (cloud metadata)
        case (172, 16...31): return false
        case (192, 168): return false
        case (192, 0): return b[2] != 0              // 192.0.0.0/24 (IETF protocol assignments)
        case (168, 63): return !(b[2] == 129 && b[3] == 16)  // a cloud's internal endpoint
        case (198, 18...19): return false           // benchmarking
        case (224...255, _): return false           // multicast, reserved, broadcast
        default: return true
        }
    }
}
