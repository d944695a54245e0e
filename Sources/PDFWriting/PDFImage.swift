/// A raster image as a PDF image XObject: JPEG data kept as it is (`/DCTDecode`), PNG data
/// decoded, its alpha split into a soft mask, and compressed again (`/FlateDecode`).
public struct PDFImage: Sendable {
    public let width: Int
    public let height: Int
    let colorSpace: String
    let filter: String
    let data: [UInt8]
    /// The alpha channel, Flate-compressed, when the image has one.
    let alpha: [UInt8]?

    /// The largest image read, in pixels: bigger ones are refused before anything is decoded.
    public static let maximumPixels = 40_000_000

    public enum Unsupported: Error, Equatable, CustomStringConvertible {
        case notAnImage, tooLarge, damaged
        case format(String)
        public var description: String {
            switch self {
            case .notAnImage: "neither a JPEG nor a PNG image"
            case .tooLarge: "the image has more than \(PDFImage.maximumPixels) pixels"
            case .damaged: "the image data is damaged"
            case .format(let what): "unsupported image: \(what)"
            }
        }
    }

    /// Reads a JPEG or PNG file.
    public init(_ bytes: [UInt8]) throws(Unsupported) {
        if bytes.starts(with: [0xFF, 0xD8]) {
            self = try Self.jpeg(bytes)
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = try Self.png(bytes)
        } else {
            throw .notAnImage
        }
    }

    init(width: Int, height: Int, colorSpace: String, filter: String, data: [UInt8], alpha: [UInt8]?) {
        self.width = width
        self.height = height
        self.colorSpace = colorSpace
        self.filter = filter
        self.data = data
        self.alpha = alpha
    }

    /// A baseline or progressive JPEG, gray or RGB: its size from the first frame header.
    static func jpeg(_ bytes: [UInt8]) throws(Unsupported) -> PDFImage {
        let reader = ByteReader(bytes)
        var at = 2
        while let marker = reader.u16(at) {
            guard marker >> 8 == 0xFF else { throw .damaged }
            let kind = marker & 0xFF
            if kind == 0xD8 || kind == 0x01 || (0xD0...0xD7).contains(kind) { at += 2; continue }
            guard let length = reader.u16(at + 2), length >= 2 else { throw .damaged }
            if (0xC0...0xCF).contains(kind), ![0xC4, 0xC8, 0xCC].contains(kind) {
                guard let height = reader.u16(at + 5), let width = reader.u16(at + 7), let components = reader.u8(at + 9),
                      width > 0, height > 0
                else { throw .damaged }
                guard width * height <= maximumPixels else { throw .tooLarge }
                let space: String
                switch components {
                case 1: space = "/DeviceGray"
                case 3: space = "/DeviceRGB"
                default: throw .format("a JPEG with \(components) colour components")
                }
                return PDFImage(width: width, height: height, colorSpace: space, filter: "/DCTDecode", data: bytes, alpha: nil)
            }
            at += 2 + length
        }
        throw .damaged
    }

    /// An 8-bit, non-interlaced PNG: gray or RGB, with or without alpha.
    static func png(_ bytes: [UInt8]) throws(Unsupported) -> PDFImage {
        let reader = ByteReader(bytes)
        var at = 8
        var header: (width: Int, height: Int, depth: Int, color: Int, interlace: Int)?
        var compressed: [UInt8] = []
        while let length = reader.u32(at), at + 12 + length <= bytes.count {
            let type = bytes[(at + 4)..<(at + 8)]
            let body = (at + 8)..<(at + 8 + length)
            if type.elementsEqual("IHDR".utf8) {
                guard length >= 13, let width = reader.u32(body.lowerBound), let height = reader.u32(body.lowerBound + 4),
                      let depth = reader.u8(body.lowerBound + 8), let color = reader.u8(body.lowerBound + 9),
                      let interlace = reader.u8(body.lowerBound + 12)
                else { throw .damaged }
                header = (width, height, depth, color, interlace)
            } else if type.elementsEqual("IDAT".utf8) {
                guard compressed.count + length <= 512 << 20 else { throw .tooLarge }
                compressed += bytes[body]
            } else if type.elementsEqual("IEND".utf8) {
                break
            }
            at += 12 + length
        }
        guard let header, header.width > 0, header.height > 0 else { throw .damaged }
        // Each side is a 32-bit number: compared one by one before they are multiplied.
        guard header.width <= 65_535, header.height <= 65_535, header.width * header.height <= maximumPixels else { throw .tooLarge }
        guard header.depth == 8, header.interlace == 0 else { throw .format("a PNG of bit depth \(header.depth) or interlaced") }
        let channels: Int
        switch header.color {
        case 0: channels = 1
        case 2: channels = 3
        case 4: channels = 2
        case 6: channels = 4
        default: throw .format("a PNG of colour type \(header.color)")
        }
        let rowBytes = header.width * channels
        let raw: [UInt8]
        do {
            raw = try Zlib.inflate(compressed, expectedSize: header.height * (rowBytes + 1))
        } catch {
            throw .damaged
        }
        let pixels = try unfilter(raw, rowBytes: rowBytes, rows: header.height, bytesPerPixel: channels)
        let colorChannels = channels == 1 || channels == 2 ? 1 : 3
        var color: [UInt8], alpha: [UInt8]?
        if channels == colorChannels {
            color = pixels
            alpha = nil
        } else {
            color = []
            color.reserveCapacity(header.width * header.height * colorChannels)
            var mask: [UInt8] = []
            mask.reserveCapacity(header.width * header.height)
            var index = 0
            while index < pixels.count {
                color.append(contentsOf: pixels[index..<(index + colorChannels)])
                mask.append(pixels[index + colorChannels])
                index += channels
            }
            alpha = mask
        }
        do {
            return PDFImage(
                width: header.width, height: header.height, colorSpace: colorChannels == 1 ? "/DeviceGray" : "/DeviceRGB",
                filter: "/FlateDecode", data: try Zlib.deflate(color), alpha: try alpha.map { try Zlib.deflate($0) })
        } catch {
            throw .damaged
        }
    }

    /// Undoes PNG's per-row filters (None, Sub, Up, Average, Paeth).
    static func unfilter(_ raw: [UInt8], rowBytes: Int, rows: Int, bytesPerPixel: Int) throws(Unsupported) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rowBytes * rows)
        for row in 0..<rows {
            let filter = raw[row * (rowBytes + 1)]
            let source = row * (rowBytes + 1) + 1
            let target = row * rowBytes
            for column in 0..<rowBytes {
                let x = raw[source + column]
                let left = column >= bytesPerPixel ? Int(out[target + column - bytesPerPixel]) : 0
                let up = row > 0 ? Int(out[target - rowBytes + column]) : 0
                let upLeft = row > 0 && column >= bytesPerPixel ? Int(out[target - rowBytes + column - bytesPerPixel]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = left
                case 2: predicted = up
                case 3: predicted = (left + up) / 2
                case 4:
                    let estimate = left + up - upLeft
                    let (a, b, c) = (abs(estimate - left), abs(estimate - up), abs(estimate - upLeft))
                    predicted = a <= b && a <= c ? left : (b <= c ? up : upLeft)
                default: throw .damaged
                }
                out[target + column] = x &+ UInt8(predicted & 0xFF)
            }
        }
        return out
    }
}
