import Core

/// Bucket ids and object names as they arrive in URL paths and JSON bodies, checked once: a name
/// is 1–1024 bytes of UTF-8 in segments separated by `/`, none of them empty, `.` or `..`,
/// none longer than 255 bytes, with no control character (NUL included) and no backslash.
enum ObjectPath {
    /// Words of the routes (and `list-v2`, Supabase's second listing route), which no new bucket
    /// may take: `object/public/…` must not mean an object in a bucket named `public`. Existing
    /// buckets are read whatever their id.
    static let reservedBucketNames: Set<String> = [
        "public", "authenticated", "sign", "info", "list", "list-v2", "move", "copy", "upload", "render",
    ]

    static func bucket(_ id: String) throws(StorageError) -> String {
        let valid = (1...100).contains(id.utf8.count) && id != "." && id != ".."
            && id.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")].contains(byte)
            }
        guard valid else { throw .invalidBucketName(id) }
        return id
    }

    /// A bucket id that may be created: valid and not a word the routes use (in any case).
    static func newBucket(_ id: String) throws(StorageError) -> String {
        let id = try bucket(id)
        guard !reservedBucketNames.contains(id.lowercased()) else { throw .invalidBucketName(id, reserved: true) }
        return id
    }

    static func name(_ name: String) throws(StorageError) -> String {
        guard (1...1024).contains(name.utf8.count) else { throw .invalidKey(String(name.prefix(64))) }
        for segment in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty, segment != ".", segment != "..", segment.utf8.count <= 255,
                  segment.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7f && $0 != UInt8(ascii: "\\") })
            else { throw .invalidKey(String(name.prefix(64))) }
        }
        return name
    }

    /// Percent-decodes one URL path segment; nil when an escape is malformed or the bytes are not UTF-8.
    static func percentDecoded<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else if plusIsSpace, byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encodes a name for a URL path: unreserved characters and `/` stay.
    static func encoded(_ name: String) -> String {
        name.percentEncoded(keepingSlash: true)
    }

    /// The form-encoded query string as (name, value) pairs, `+` decoded as a space.
    static func query(_ text: String?) -> [(String, String)] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0], plusIsSpace: true) else { return nil }
            return (name, parts.count > 1 ? percentDecoded(parts[1], plusIsSpace: true) ?? "" : "")
        }
    }
}
