import Core
import Foundation
@testable import Fulfilment
@testable import PDFWriting
import Testing
import TestSupport

/// The PDF writer and the workbook layout, checked by independent readers: qpdf's structural
/// check, poppler's page boxes and fonts, and pages rendered by pdftoppm and looked at pixel by
/// pixel. Bad fonts and images are refused without a crash.
@Suite("print: the PDF writer and the workbook layout")
struct PDFWriterTests {
    static func fonts() throws -> WorkbookFonts { try WorkbookFonts(folder: try PDFTools.fontsFolder) }

    @Test("a page with text, shapes and PNG images passes qpdf, embeds its fonts, keeps trim and bleed boxes, and renders as drawn")
    func pageRenders() async throws {
        let fonts = try Self.fonts()
        var writer = PDFDocumentWriter(geometry: .init(width: 200, height: 200, bleed: 10))
        let regular = try writer.add(fonts.regular)
        // A red/blue image with a transparent right half (RGBA, Paeth rows), and a gray one (Average rows).
        let rgba = try PDFImage(try TestPNG.make(width: 40, height: 40, channels: 4, filter: 4) { x, y in
            x < 20 ? (y < 20 ? [255, 0, 0, 255] : [0, 0, 255, 255]) : [0, 0, 0, 0]
        })
        let gray = try PDFImage(try TestPNG.make(width: 8, height: 8, channels: 1, filter: 3) { _, _ in [0] })
        #expect(rgba.alpha != nil && gray.alpha == nil)
        let colorful = writer.add(rgba)
        let black = writer.add(gray)
        var canvas = writer.canvas()
        canvas.fill(x: -10, y: -10, width: 220, height: 20, color: PDFCanvas.Color(0, 0.6, 0))
        canvas.draw(colorful, x: 0, y: 100, width: 100, height: 100)
        canvas.draw(black, x: 150, y: 150, width: 40, height: 40)
        canvas.text("Ünïcode (café) \\ “quoted” — ☃", x: 10, y: 60, font: regular, size: 12)
        try writer.addPage(canvas)
        let pdf = writer.finish(title: "Test (one)", created: Date(timeIntervalSince1970: 1_790_000_000))

        let check = try await PDFTools.check(pdf)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("No syntax or stream encoding errors"), "\(check.output)")
        let info = try await PDFTools.info(pdf)
        #expect(PDFTools.field(info, "Pages") == "1", "\(info)")
        #expect(PDFTools.field(info, "MediaBox") == "0.00 0.00 220.00 220.00", "\(info)")
        #expect(PDFTools.field(info, "BleedBox") == "0.00 0.00 220.00 220.00", "\(info)")
        #expect(PDFTools.field(info, "TrimBox") == "10.00 10.00 210.00 210.00", "\(info)")
        let embedded = try await PDFTools.withFile(pdf) { try await PDFTools.run("pdffonts", [$0]).output }
        #expect(embedded.contains("DejaVuSans") && embedded.contains("TrueType") && embedded.contains(" yes "), "\(embedded)")

        // 220 pt at 72 dpi: one pixel a point; y from the top of the media box.
        let page = try await PDFTools.render(pdf, page: 1, dpi: 72)
        #expect(page.width == 220 && page.height == 220)
        let red = page.color(x: 30 / 220, y: 30 / 220), blue = page.color(x: 30 / 220, y: 90 / 220)
        #expect(red.r > 200 && red.g < 60 && red.b < 60, "\(red)")
        #expect(blue.b > 200 && blue.r < 60, "\(blue)")
        let transparent = page.color(x: 90 / 220, y: 30 / 220)
        #expect(transparent.r > 240 && transparent.g > 240 && transparent.b > 240, "the alpha channel shows the page: \(transparent)")
        let gray8 = page.color(x: 180 / 220, y: 40 / 220)
        #expect(gray8.r < 40 && gray8.g < 40, "\(gray8)")
        let band = page.color(x: 0.5, y: 215 / 220)
        #expect(band.g > 120 && band.r < 40, "the bleed is painted: \(band)")
        let textBox: (x: ClosedRange<Double>, y: ClosedRange<Double>) = (0.045...0.68, 0.63...0.73)
        #expect(page.hasInk(x: textBox.x, y: textBox.y), "the text is drawn")
    }

    @Test("a JPEG is embedded as it is: pdftoppm's own JPEG of a page draws back into a new page")
    func jpegRoundTrip() async throws {
        var first = PDFDocumentWriter(geometry: .init(width: 100, height: 100, bleed: 0))
        var canvas = first.canvas()
        canvas.fill(x: 0, y: 0, width: 100, height: 50, color: PDFCanvas.Color(0, 0, 1))
        try first.addPage(canvas)
        let source = first.finish(title: "source", created: Date())
        let jpeg: [UInt8] = try await PDFTools.withFile(source) { path in
            let prefix = path + "-jpeg"
            _ = try await PDFTools.run("pdftoppm", ["-r", "72", "-jpeg", "-singlefile", path, prefix])
            defer { try? FileManager.default.removeItem(atPath: prefix + ".jpg") }
            return [UInt8](try #require(FileManager.default.contents(atPath: prefix + ".jpg")))
        }
        let image = try PDFImage(jpeg)
        #expect(image.width == 100 && image.height == 100 && image.filter == "/DCTDecode")
        var second = PDFDocumentWriter(geometry: .init(width: 100, height: 100, bleed: 0))
        let added = second.add(image)
        var page = second.canvas()
        page.draw(added, x: 0, y: 0, width: 100, height: 100)
        try second.addPage(page)
        let pdf = second.finish(title: "copy", created: Date())
        #expect(try await PDFTools.check(pdf).status == 0)
        let raster = try await PDFTools.render(pdf, page: 1, dpi: 72)
        #expect(raster.color(x: 0.5, y: 0.8).b > 200 && raster.color(x: 0.5, y: 0.2).r > 200)
    }

    @Test("damaged, hostile or unsupported images and fonts are refused, never trapped on")
    func hostileInputs() throws {
        let png = try TestPNG.make(width: 4, height: 4, channels: 3) { _, _ in [1, 2, 3] }
        #expect(throws: PDFImage.Unsupported.self) { try PDFImage(Array(png.prefix(40))) }
        #expect(throws: PDFImage.Unsupported.self) { try PDFImage([0x47, 0x49, 0x46, 0x38]) }
        #expect(throws: PDFImage.Unsupported.self) { try PDFImage([0xFF, 0xD8, 0xFF]) }
        // A header claiming 100000 x 100000 pixels is refused before anything is inflated.
        var huge = png
        huge.replaceSubrange(16..<24, with: TestPNG.be32(100_000) + TestPNG.be32(100_000))
        #expect(throws: PDFImage.Unsupported.tooLarge) { try PDFImage(huge) }
        // Sides of 2^32 - 1: their product does not fit a 64-bit integer, and is never formed.
        huge.replaceSubrange(16..<24, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: PDFImage.Unsupported.tooLarge) { try PDFImage(huge) }
        // Image data that inflates to more than the header promises.
        var lying = png
        lying.replaceSubrange(16..<24, with: TestPNG.be32(2) + TestPNG.be32(2))
        #expect(throws: PDFImage.Unsupported.damaged) { try PDFImage(lying) }
        // A row with an unknown filter type.
        let badFilter = try TestPNG.make(width: 2, height: 2, channels: 3, filter: 9) { _, _ in [0, 0, 0] }
        #expect(throws: PDFImage.Unsupported.damaged) { try PDFImage(badFilter) }
        // 16-bit samples are not read.
        var deep = png
        deep[24] = 16
        #expect(throws: PDFImage.Unsupported.self) { try PDFImage(deep) }
        #expect(throws: TrueTypeFont.Malformed.self) { try TrueTypeFont(name: "x", data: [0, 1, 0, 0, 0, 9] + [UInt8](repeating: 0xFF, count: 40)) }
        #expect(throws: TrueTypeFont.Malformed.self) { try TrueTypeFont(name: "x", data: png) }
        for size in [0, 1, 12, 100] {
            _ = try? TrueTypeFont(name: "x", data: [UInt8](repeating: 0x41, count: size))
        }
    }

    @Test("text measures with the font's own widths, wraps at words, and escapes PDF's string delimiters")
    func textMetrics() throws {
        let fonts = try Self.fonts()
        let narrow = fonts.regular.width(of: WinAnsi.encode("iiii"), size: 10)
        let wide = fonts.regular.width(of: WinAnsi.encode("MMMM"), size: 10)
        #expect(narrow > 5 && wide > narrow * 2, "\(narrow) \(wide)")
        let lines = PDFCanvas.wrap("one two three four five six seven", width: wide * 2, font: fonts.regular, size: 10)
        #expect(lines.count > 1 && lines.allSatisfy { fonts.regular.width(of: WinAnsi.encode($0), size: 10) <= wide * 2 })
        #expect(lines.joined(separator: " ") == "one two three four five six seven")
        #expect(PDFCanvas.literal(WinAnsi.encode("a(b)c\\")) == "(a\\(b\\)c\\\\)")
        // One long word is cut into lines in one pass, each within the width.
        let word = String(repeating: "W", count: 4000) + " " + String(repeating: "中", count: 4000)
        let cut = PDFCanvas.wrap(word, width: 100, font: fonts.regular, size: 10)
        #expect(cut.count > 100 && cut.allSatisfy { fonts.regular.width(of: WinAnsi.encode($0), size: 10) <= 100 })
        #expect(cut.joined().filter { $0 != " " }.count == 8000)
        #expect(WinAnsi.encode("é€☃") == [0xE9, 0x80, 0x3F])
        // Degenerate boxes and limits draw something or nothing, never trap.
        var writer = PDFDocumentWriter(geometry: .init(width: 100, height: 100, bleed: 0))
        let font = try writer.add(fonts.regular)
        var canvas = writer.canvas()
        for (width, limit) in [(0.0, 0), (-5.0, -3), (1.0, 1), (50.0, Int.max)] {
            canvas.paragraph(String(repeating: "Supercalifragilistic ", count: 20), x: 0, y: 90, width: width, font: font, size: 10, maxLines: limit)
        }
        #expect(PDFCanvas.number(12.345) == "12.35" && PDFCanvas.number(-0.5) == "-0.50" && PDFCanvas.number(.nan) == "0")
    }

    static func section(_ type: String, _ content: JSONValue, title: String? = nil) -> WorkbookSection {
        WorkbookSection(id: UUID(), type: type, title: title, content: content)
    }

    static func book(boards: Int, journal: Bool) -> [WorkbookSection] {
        let months: [JSONValue] = (1...12).map { month in
            .object(["label": .string("Month \(month)"), "tasks": .array(month == 1 ? [.object(["title": .string("Open a savings account"), "done": .bool(true)])] : [])])
        }
        var sections = [
            section("cover", .object(["title": .string("Dream Big"), "subtitle": .string("2027"), "userName": .string("Ann"), "style": .string("classic")])),
            section("title_page", .object(["title": .string("Dream Big"), "userName": .string("Ann"), "createdDate": .string("December 3, 2026")])),
            section("coach_letter", .object(["letter": .string(String(repeating: "Keep going. ", count: 500))])),
            section("vision_gallery", .object(["visionBoards": .array((0..<boards).map { .object(["prompt": .string("Board \($0)"), "imageUrl": .string("missing-\($0)")]) })])),
            section("action_plan", .object(["months": .array(months)])),
            section("habit_tracker", .object(["habits": .array([.object(["title": .string("Run")])]), "months": .array(months.map { $0["label"]! })])),
        ]
        if journal { sections.append(section("weekly_journal", .object(["weeksCount": .number(52), "prompts": .array([.string("Wins:")])]))) }
        sections += [section("notes", .object([:])), section("back_cover", .object(["tagline": .string("Powered by Visionary AI")]))]
        return sections
    }

    @Test("a workbook fills exactly the template's pages, weeks sharing pages when they must, and covers paint into the bleed")
    func workbookLayout() async throws {
        let fonts = try Self.fonts()
        let size = TrimSize.parse(#"A5 (5.8" x 8.3")"#)
        #expect(size == TrimSize(width: 419.53, height: 595.28))
        #expect(TrimSize.parse(#"6" x 9""#) == TrimSize(width: 432, height: 648))
        #expect(TrimSize.parse("whatever") == size)

        let layout = WorkbookLayout(size: size, pageCount: 100, fonts: fonts, images: [:])
        let (pdf, placements) = try layout.render(Self.book(boards: 3, journal: true), title: "Dream Big", created: Date())
        let info = try await PDFTools.info(pdf)
        #expect(PDFTools.field(info, "Pages") == "100", "\(info)")
        #expect(try await PDFTools.check(pdf).status == 0)
        #expect(placements.first?.first == 1 && placements.last?.last == 100, "\(placements)")
        let pages = placements.map { $0.last - $0.first + 1 }
        // cover, title, letter, 3 boards, 12 planners, 12 trackers, 52 weeks, 17 notes, back cover.
        #expect(pages == [1, 1, 1, 3, 12, 12, 52, 17, 1], "\(pages)")

        // A shorter book gives the journal two weeks a page.
        let short = WorkbookLayout(size: size, pageCount: 60, fonts: fonts, images: [:])
        let (shortPDF, shortPlacements) = try short.render(Self.book(boards: 3, journal: true), title: "Short", created: Date())
        #expect(PDFTools.field(try await PDFTools.info(shortPDF), "Pages") == "60")
        #expect(shortPlacements.map { $0.last - $0.first + 1 } == [1, 1, 1, 3, 12, 12, 26, 3, 1], "\(shortPlacements)")

        // The cover is painted edge to edge, bleed included; its title is light on dark.
        let cover = try await PDFTools.render(pdf, page: 1)
        let corner = cover.color(x: 0.005, y: 0.005)
        #expect(corner.b > corner.r && corner.r < 60, "\(corner)")
        // A notes page has ruled lines and no colour.
        let notes = try await PDFTools.render(pdf, page: 90, dpi: 72)
        #expect(notes.hasInk(x: 0.1...0.9, y: 0.3...0.9, level: 230) && notes.color(x: 0.005, y: 0.005).r > 240)

        // More sections than pages is refused rather than cut.
        let crowded = WorkbookLayout(size: size, pageCount: 20, fonts: fonts, images: [:])
        #expect(throws: WorkbookLayout.LayoutError.self) { try crowded.render(Self.book(boards: 0, journal: false), title: "x", created: Date()) }
    }
}
