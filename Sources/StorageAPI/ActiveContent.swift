/// Media types a browser runs script in when it shows them: HTML, SVG and other XML, script.
/// Served from the API's own origin they would be stored cross-site scripting, so such objects
/// are always sent as attachments, and a bucket's `type/*` wildcard never admits them: a bucket
/// takes them only when it lists the exact type.
enum ActiveContent {
    static let types: Set<String> = [
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl",
        "text/javascript", "application/javascript", "application/ecmascript", "text/ecmascript",
        "application/x-javascript", "application/x-shockwave-flash", "multipart/x-mixed-replace",
    ]

    /// The type and subtype of a media type, lower-cased, without parameters: `image/svg+xml`
    /// for `Image/SVG+XML; charset=utf-8`.
    static func essence(of mimeType: String) -> String {
        (mimeType.split(separator: ";").first.map { $0.trimmingBlanks() } ?? "").lowercased()
    }

    /// Whether a media type (parameters allowed) is active content: one of `types`, or any
    /// `+xml` type.
    static func isActive(_ mimeType: String) -> Bool {
        let essence = essence(of: mimeType)
        return types.contains(essence) || essence.hasSuffix("+xml")
    }

    /// The policy every object response carries (with `X-Content-Type-Options: nosniff`): the
    /// document may load nothing and run nothing, should a browser render it anyway.
    static let contentSecurityPolicy = "default-src 'none'; sandbox"
}
