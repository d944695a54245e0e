import Foundation

/// A model that draws a picture from a description, optionally guided by pictures of reference.
public protocol ImageModel: Sendable {
    /// Provider and model (`gemini/gemini-2.5-flash-image`).
    var identifier: String { get }
    func generate(prompt: String, references: [ImageInput]) async throws -> GeneratedImage
}

/// A drawn picture: PNG or JPEG bytes.
public struct GeneratedImage: Sendable, Equatable {
    public let mimeType: String
    public let data: [UInt8]

    public init(mimeType: String, data: [UInt8]) {
        self.mimeType = mimeType
        self.data = data
    }

    /// The picture as a `data:` URL, the form the app shows and uploads.
    public var dataURL: String { "data:\(mimeType);base64,\(Data(data).base64EncodedString())" }
}

extension GeneratedImage {
    /// The bytes as a picture, its type read from its signature (PNG, JPEG or WebP), never from
    /// what the provider declared.
    public init(checking data: [UInt8], declared: String? = nil) throws {
        guard let type = Self.sniff(data) else { throw AIError.malformedReply("the image is not PNG, JPEG or WebP") }
        self.init(mimeType: type, data: data)
    }

    /// A picture's type from its first bytes.
    public static func sniff(_ data: [UInt8]) -> String? {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if data.count >= 12, data.starts(with: Array("RIFF".utf8)), Array(data[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }
}
