import Foundation

/// A print-ready PDF 1.6 written from scratch: embedded TrueType fonts, JPEG and PNG images,
/// pages with a trim box inside a bleed (`MediaBox` = `BleedBox` = trim plus bleed on each side),
/// compressed content streams, and a cross-reference table. Pages are added in order; `finish`
/// answers the file.
public struct PDFDocumentWriter: Sendable {
    /// A page's trim size and bleed, in points (1/72 in).
    public struct PageGeometry: Sendable, Equatable {
        public var width: Double
        public var height: Double
        public var bleed: Double

        public init(width: Double, height: Double, bleed: Double) {
            self.width = width
            self.height = height
            self.bleed = bleed
        }
    }

    /// A font added to the document, as pages name it.
    public struct Font: Sendable {
        public let font: TrueTypeFont
        let resource: String
    }

    /// An image added to the document, as pages name it.
    public struct Image: Sendable {
        public let width: Int
        public let height: Int
        let resource: String
    }

    /// Object bodies, by object number minus one (nil: reserved, not written yet).
    var objects: [[UInt8]?] = []
    var fontResources: [(String, Int)] = []
    var imageResources: [(String, Int)] = []
    var pageObjects: [Int] = []
    let pagesObject: Int
    let resourcesObject: Int
    public let geometry: PageGeometry

    public init(geometry: PageGeometry) {
        self.geometry = geometry
        objects = [nil, nil]
        pagesObject = 1
        resourcesObject = 2
    }

    mutating func reserve() -> Int {
        objects.append(nil)
        return objects.count
    }

    mutating func add(_ body: String) -> Int {
        objects.append(Array(body.utf8))
        return objects.count
    }

    /// A stream object: `dictionary` (without `/Length`) and its data.
    mutating func addStream(_ dictionary: String, _ data: [UInt8]) -> Int {
        objects.append(Array("<< \(dictionary) /Length \(data.count) >>\nstream\n".utf8) + data + Array("\nendstream".utf8))
        return objects.count
    }

    /// Embeds `font` whole (a simple TrueType font in WinAnsiEncoding).
    public mutating func add(_ font: TrueTypeFont) throws -> Font {
        let file = addStream("/Length1 \(font.data.count) /Filter /FlateDecode", try Zlib.deflate(font.data))
        let box = font.boundingBox.map(String.init).joined(separator: " ")
        let descriptor = add("""
            << /Type /FontDescriptor /FontName /\(font.name) /Flags 32 /FontBBox [\(box)] /ItalicAngle 0 \
            /Ascent \(font.ascent) /Descent \(font.descent) /CapHeight \(font.capHeight) /StemV 80 /FontFile2 \(file) 0 R >>
            """)
        let widths = font.widths.map(String.init).joined(separator: " ")
        let object = add("""
            << /Type /Font /Subtype /TrueType /BaseFont /\(font.name) /FirstChar 32 /LastChar 255 /Widths [\(widths)] \
            /Encoding /WinAnsiEncoding /FontDescriptor \(descriptor) 0 R >>
            """)
        let resource = "F\(fontResources.count + 1)"
        fontResources.append((resource, object))
        return Font(font: font, resource: resource)
    }

    /// Adds `image` (and its soft mask) once; pages draw it as often as they like.
    public mutating func add(_ image: PDFImage) -> Image {
        let mask = image.alpha.map {
            addStream("/Type /XObject /Subtype /Image /Width \(image.width) /Height \(image.height) /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", $0)
        }
        let object = addStream("""
            /Type /XObject /Subtype /Image /Width \(image.width) /Height \(image.height) /ColorSpace \(image.colorSpace) \
            /BitsPerComponent 8 /Filter \(image.filter)\(mask.map { " /SMask \($0) 0 R" } ?? "")
            """, image.data)
        let resource = "Im\(imageResources.count + 1)"
        imageResources.append((resource, object))
        return Image(width: image.width, height: image.height, resource: resource)
    }

    /// Adds a page drawn by `canvas`.
    public mutating func addPage(_ canvas: PDFCanvas) throws {
        let content = addStream("/Filter /FlateDecode", try Zlib.deflate(canvas.content))
        let g = geometry
        func box(_ inset: Double) -> String {
            [inset, inset, g.width + 2 * g.bleed - inset, g.height + 2 * g.bleed - inset].map(PDFCanvas.number).joined(separator: " ")
        }
        pageObjects.append(add("""
            << /Type /Page /Parent \(pagesObject) 0 R /Resources \(resourcesObject) 0 R /Contents \(content) 0 R \
            /MediaBox [\(box(0))] /BleedBox [\(box(0))] /TrimBox [\(box(g.bleed))] >>
            """))
    }

    /// A canvas for the next page, its origin at the trim box's lower-left corner.
    public func canvas() -> PDFCanvas {
        PDFCanvas(geometry: geometry)
    }

    /// The finished file, with `title` in its information dictionary.
    public mutating func finish(title: String, created: Date) -> [UInt8] {
        let kids = pageObjects.map { "\($0) 0 R" }.joined(separator: " ")
        objects[pagesObject - 1] = Array("<< /Type /Pages /Kids [\(kids)] /Count \(pageObjects.count) >>".utf8)
        let fonts = fontResources.map { "/\($0.0) \($0.1) 0 R" }.joined(separator: " ")
        let images = imageResources.map { "/\($0.0) \($0.1) 0 R" }.joined(separator: " ")
        objects[resourcesObject - 1] = Array("<< /ProcSet [/PDF /Text /ImageB /ImageC] /Font << \(fonts) >> /XObject << \(images) >> >>".utf8)
        let catalog = add("<< /Type /Catalog /Pages \(pagesObject) 0 R >>")
        let date = Self.pdfDate(created)
        let info = add("<< /Title \(PDFCanvas.literal(WinAnsi.encode(title))) /Producer (Visionary) /CreationDate (\(date)) /ModDate (\(date)) >>")

        var file: [UInt8] = Array("%PDF-1.6\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(file.count)
            file += Array("\(index + 1) 0 obj\n".utf8) + (body ?? Array("null".utf8)) + Array("\nendobj\n".utf8)
        }
        let table = file.count
        var xref = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { xref += String(repeating: "0", count: max(0, 10 - String(offset).count)) + "\(offset) 00000 n \n" }
        xref += "trailer\n<< /Size \(objects.count + 1) /Root \(catalog) 0 R /Info \(info) 0 R >>\nstartxref\n\(table)\n%%EOF\n"
        file += Array(xref.utf8)
        return file
    }

    static func pdfDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "D:\(String(format: "%04d", c.year ?? 1970))\(two(c.month))\(two(c.day))\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }
}
