import Foundation

/// Where a vision board's `image_url` points: an object of this server's Storage (read, and
/// signed for the printer, only as the board's owner may read it), an image inline in a `data:`
/// URL, or a page elsewhere on the web (never fetched by the server).
enum BoardImage: Hashable {
    case stored(bucket: String, name: String)
    case inline([UInt8])
    case external(String)
    case unusable

    /// The largest inline image taken.
    static let maximumInlineBytes = 20 << 20

    /// Reads `url` against this server's public URL.
    init(_ url: String, publicURL: String) {
        if url.hasPrefix("data:image/") {
            guard let comma = url.firstIndex(of: ","), url[..<comma].hasSuffix(";base64"),
                  url.utf8.count <= Self.maximumInlineBytes * 4 / 3 + 100,
                  let data = Data(base64Encoded: String(url[url.index(after: comma)...]), options: .ignoreUnknownCharacters)
            else { self = .unusable; return }
            self = .inline([UInt8](data))
            return
        }
        var path = Substring(url)
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        if path.hasPrefix(base + "/") {
            path = path.dropFirst(base.count)
        } else if !path.hasPrefix("/") {
            self = url.lowercased().hasPrefix("https://") && url.utf8.count <= 2000 ? .external(url) : .unusable
            return
        }
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<query] }
        let prefixes = ["/storage/v1/object/public/", "/storage/v1/object/authenticated/", "/storage/v1/object/sign/", "/storage/v1/object/",
                        "/storage/v1/render/image/public/", "/storage/v1/render/image/authenticated/"]
        guard let prefix = prefixes.first(where: { path.hasPrefix($0) }) else { self = .unusable; return }
        let rest = path.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/"),
              let bucket = String(rest[..<slash]).removingPercentEncoding, !bucket.isEmpty,
              let name = String(rest[rest.index(after: slash)...]).removingPercentEncoding, !name.isEmpty
        else { self = .unusable; return }
        self = .stored(bucket: bucket, name: name)
    }
}
