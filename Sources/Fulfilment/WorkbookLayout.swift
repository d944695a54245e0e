import Core
import Foundation
import PDFWriting

/// The printed size of a workbook template: its trim size from the template's `size` text
/// (`A5 (5.8" x 8.3")`, `A4`, `Letter`, `6" x 9"`, …; A5 when it names none) and 3 mm of bleed.
public struct TrimSize: Sendable, Equatable {
    public let width: Double
    public let height: Double
    public static let bleed = 8.5

    public static func parse(_ text: String?) -> TrimSize {
        let upper = (text ?? "").uppercased()
        if upper.contains("A4") { return TrimSize(width: 595.28, height: 841.89) }
        if upper.contains("A5") { return TrimSize(width: 419.53, height: 595.28) }
        if upper.contains("LETTER") { return TrimSize(width: 612, height: 792) }
        // Two numbers in inches: `6" x 9"` or `8.5x11`.
        let numbers = upper.split(whereSeparator: { !($0.isNumber || $0 == ".") }).compactMap { Double($0) }.filter { (2...20).contains($0) }
        if numbers.count >= 2 { return TrimSize(width: numbers[0] * 72, height: numbers[1] * 72) }
        return TrimSize(width: 419.53, height: 595.28)
    }

    var geometry: PDFDocumentWriter.PageGeometry { .init(width: width, height: height, bleed: Self.bleed) }
}

/// One composed section of a workbook (`workbook_sections`), as the layout reads it.
public struct WorkbookSection: Sendable, Decodable {
    public let id: UUID
    public let type: String
    public let title: String?
    public let content: JSONValue

    enum CodingKeys: String, CodingKey { case id, type = "section_type", title, content }
}

/// The fonts workbooks embed: DejaVu Sans, regular and bold, from `VISIONARY_WORKBOOK_FONTS`.
public struct WorkbookFonts: Sendable {
    let regular: TrueTypeFont
    let bold: TrueTypeFont

    public struct Missing: Error, CustomStringConvertible {
        let folder: String
        public var description: String { "the workbook fonts are not in \(folder) (VISIONARY_WORKBOOK_FONTS: run scripts/install-fonts.sh)" }
    }

    public init(folder: String) throws {
        func load(_ file: String, _ name: String) throws -> TrueTypeFont {
            guard let data = FileManager.default.contents(atPath: folder + "/" + file) else { throw Missing(folder: folder) }
            return try TrueTypeFont(name: name, data: [UInt8](data))
        }
        regular = try load("DejaVuSans.ttf", "DejaVuSans")
        bold = try load("DejaVuSans-Bold.ttf", "DejaVuSans-Bold")
    }
}

/// Lays a workbook's sections out on exactly the template's number of pages: the cover, the
/// front matter, a page per vision board (its image, prompt and reflection prompts), twelve
/// monthly planners with the tasks due, twelve monthly habit grids, the weekly journal (as many
/// weeks a page as it takes to fit), ruled notes pages filling the rest, and the back cover.
public struct WorkbookLayout {
    public let size: TrimSize
    public let pageCount: Int
    let fonts: WorkbookFonts
    /// Board images by their `image_url`, decoded ahead (those that could not be are absent).
    let images: [String: PDFImage]

    public init(size: TrimSize, pageCount: Int, fonts: WorkbookFonts, images: [String: PDFImage]) {
        self.size = size
        self.pageCount = min(max(pageCount, 8), 500)
        self.fonts = fonts
        self.images = images
    }

    /// The first and last page (1-based) of each section laid out.
    public struct Placement: Sendable, Equatable {
        public let section: UUID
        public let first: Int
        public let last: Int
    }

    static let ink = PDFCanvas.Color(0.13, 0.15, 0.22)
    static let muted = PDFCanvas.Color(0.45, 0.47, 0.52)
    static let rule = PDFCanvas.Color(0.78, 0.80, 0.84)
    static let accent = PDFCanvas.Color(0.80, 0.62, 0.22)

    static func coverColor(_ style: String?) -> PDFCanvas.Color {
        switch style ?? "" {
        case "modern": PDFCanvas.Color(0.10, 0.10, 0.12)
        case "minimal": PDFCanvas.Color(0.96, 0.95, 0.92)
        case "vibrant": PDFCanvas.Color(0.45, 0.18, 0.55)
        default: PDFCanvas.Color(0.11, 0.16, 0.29)
        }
    }

    /// The section types a book is laid out from: each at most once (the first of its type), in
    /// the order given; anything else is left out.
    static let sectionTypes: Set<String> = [
        "cover", "title_page", "dedication", "coach_letter", "vision_gallery", "financial_snapshot", "action_plan", "habit_tracker",
        "weekly_journal", "notes", "back_cover",
    ]

    /// The sections that are laid out: the first of each known type.
    public static func laidOut(_ sections: [WorkbookSection]) -> [WorkbookSection] {
        var seen: Set<String> = []
        return sections.filter { sectionTypes.contains($0.type) && seen.insert($0.type).inserted }
    }

    /// The boards the gallery can show on `pageCount` pages beside the other sections: the
    /// image URLs worth loading.
    public static func drawnBoards(_ sections: [WorkbookSection], pageCount: Int) -> [JSONValue] {
        let chosen = laidOut(sections)
        let fixed = chosen.reduce(0) { $0 + fixedPages($1) }
        let boards = chosen.first { $0.type == "vision_gallery" }.map(Self.boards) ?? []
        return Array(boards.prefix(max(0, min(pageCount, 500) - fixed - 1)))
    }

    /// The PDF of `sections` in their order, with where each landed.
    public func render(_ given: [WorkbookSection], title: String, created: Date) throws -> (pdf: [UInt8], placements: [Placement]) {
        let sections = Self.laidOut(given)
        let fixed = sections.reduce(0) { $0 + Self.fixedPages($1) }
        guard fixed + 1 <= pageCount else { throw LayoutError(message: "the sections need more than the template's \(pageCount) pages") }
        var writer = PDFDocumentWriter(geometry: size.geometry)
        let regular = try writer.add(fonts.regular)
        let bold = try writer.add(fonts.bold)
        let boards = Self.drawnBoards(sections, pageCount: pageCount)
        let galleryPages = boards.count
        // Only the images a page draws are embedded, each once.
        var added: [String: PDFDocumentWriter.Image] = [:]
        for url in boards.compactMap({ $0["imageUrl"]?.stringValue }) where added[url] == nil {
            if let image = images[url] { added[url] = writer.add(image) }
        }
        var pages = PageSink(writer: writer, regular: regular, bold: bold, images: added, size: size)

        var free = pageCount - fixed - galleryPages
        var weeksPerPage = 1
        if let journal = sections.first(where: { $0.type == "weekly_journal" }) {
            let weeks = Self.weeks(journal.content)
            let room = max(free - 1, 1)
            weeksPerPage = max(1, (weeks + room - 1) / room)
            free -= (weeks + weeksPerPage - 1) / weeksPerPage
        }
        var placements: [Placement] = []
        for section in sections {
            let first = pages.count + 1
            switch section.type {
            case "cover": try pages.cover(section.content, back: false)
            case "back_cover": try pages.cover(section.content, back: true)
            case "title_page": try pages.titlePage(section.content)
            case "dedication": try pages.dedication(section.content)
            case "coach_letter": try pages.letter(section.title ?? "A Letter from Your Vision Coach", section.content)
            case "vision_gallery": for board in boards { try pages.board(board) }
            case "financial_snapshot": try pages.financial(section.title ?? "Your Financial Snapshot", section.content)
            case "action_plan": try pages.monthlyPlanners(section.content)
            case "habit_tracker": try pages.habitTracker(section.content)
            case "weekly_journal": try pages.journal(section.content, weeksPerPage: weeksPerPage)
            case "notes": try pages.notes(count: max(free, 0), title: section.title ?? "Notes & Ideas")
            default: break
            }
            if pages.count >= first { placements.append(Placement(section: section.id, first: first, last: pages.count)) }
        }
        // A template's page count is what the printer binds: short books get more notes pages,
        // and a book too long for it is refused rather than cut.
        while pages.count < pageCount { try pages.notes(count: 1, title: "Notes & Ideas") }
        guard pages.count == pageCount else { throw LayoutError(message: "the sections need \(pages.count) pages; the template has \(pageCount)") }
        return (pages.writer.finish(title: title, created: created), placements)
    }

    public struct LayoutError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Pages a section takes whatever else is in the book (the gallery, journal and notes adapt).
    static func fixedPages(_ section: WorkbookSection) -> Int {
        switch section.type {
        case "cover", "back_cover", "title_page", "dedication", "coach_letter", "financial_snapshot": 1
        case "action_plan": min(months(section.content).count, 12)
        case "habit_tracker": min(labels(section.content["months"]).count, 12)
        default: 0
        }
    }

    /// The journal's weeks: its `weeksCount`, 1 to 52 (52 when absent).
    static func weeks(_ content: JSONValue) -> Int {
        if case .number(let count)? = content["weeksCount"], count.isFinite { return Int(min(max(count, 1), 52)) }
        return 52
    }

    static func boards(_ section: WorkbookSection) -> [JSONValue] {
        if case .array(let boards)? = section.content["visionBoards"] { return Array(boards.prefix(100)) }
        return []
    }

    static func months(_ content: JSONValue) -> [JSONValue] {
        if case .array(let months)? = content["months"] { return months }
        return []
    }

    static func labels(_ value: JSONValue?) -> [String] {
        if case .array(let items)? = value { return items.compactMap(\.stringValue) }
        return []
    }
}
