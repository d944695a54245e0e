import Core
import Foundation
import PDFWriting

/// The page designs of a workbook, each appending its pages to the document.
struct PageSink {
    var writer: PDFDocumentWriter
    let regular: PDFDocumentWriter.Font
    let bold: PDFDocumentWriter.Font
    let images: [String: PDFDocumentWriter.Image]
    let size: TrimSize
    private(set) var count = 0

    init(writer: PDFDocumentWriter, regular: PDFDocumentWriter.Font, bold: PDFDocumentWriter.Font,
         images: [String: PDFDocumentWriter.Image], size: TrimSize) {
        self.writer = writer
        self.regular = regular
        self.bold = bold
        self.images = images
        self.size = size
    }

    var margin: Double { max(30, size.width * 0.08) }
    var contentWidth: Double { size.width - 2 * margin }

    /// A text of the section's content, bounded: the content is the owner's to edit.
    static func text(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return String(text.prefix(4000))
    }

    mutating func page(_ draw: (inout PDFCanvas) -> Void) throws {
        var canvas = writer.canvas()
        draw(&canvas)
        try writer.addPage(canvas)
        count += 1
    }

    /// A heading at the top of a page; answers the baseline below it.
    func heading(_ canvas: inout PDFCanvas, _ title: String) -> Double {
        let top = size.height - margin - 14
        canvas.text(title, x: margin, y: top, font: bold, size: 16, color: WorkbookLayout.ink)
        canvas.line(from: (margin, top - 8), to: (margin + 48, top - 8), color: WorkbookLayout.accent, lineWidth: 2)
        return top - 30
    }

    /// Ruled writing lines from `top` down to `bottom`.
    func ruled(_ canvas: inout PDFCanvas, from top: Double, to bottom: Double, spacing: Double = 20) {
        var y = top
        while y >= bottom {
            canvas.line(from: (margin, y), to: (size.width - margin, y), color: WorkbookLayout.rule)
            y -= spacing
        }
    }

    mutating func cover(_ content: JSONValue, back: Bool) throws {
        let style = content["style"]?.stringValue
        let background = WorkbookLayout.coverColor(style)
        let light = background.red + background.green + background.blue > 2
        let ink: PDFCanvas.Color = light ? WorkbookLayout.ink : .white
        let (width, height, bleed) = (size.width, size.height, TrimSize.bleed)
        let (regular, bold, margin, contentWidth) = (regular, bold, margin, contentWidth)
        try page { canvas in
            // The colour runs into the bleed, so no white edge shows after trimming.
            canvas.fill(x: -bleed, y: -bleed, width: width + 2 * bleed, height: height + 2 * bleed, color: background)
            if back {
                canvas.text(Self.text(content["tagline"]) ?? "Powered by Visionary AI", x: width / 2, y: height * 0.12,
                            font: regular, size: 10, color: ink, centered: true)
                return
            }
            canvas.line(from: (width / 2 - 40, height * 0.66), to: (width / 2 + 40, height * 0.66), color: WorkbookLayout.accent, lineWidth: 2)
            let below = canvas.paragraph(Self.text(content["title"]) ?? "My Vision Workbook", x: margin, y: height * 0.58,
                                         width: contentWidth, font: bold, size: 26, maxLines: 3, color: ink, centered: true)
            if let subtitle = Self.text(content["subtitle"]) {
                canvas.paragraph(subtitle, x: margin, y: below - 8, width: contentWidth, font: regular, size: 13, maxLines: 2, color: ink, centered: true)
            }
            if let name = Self.text(content["userName"]) {
                canvas.text(String(name.prefix(80)), x: width / 2, y: height * 0.14, font: regular, size: 12, color: ink, centered: true)
            }
        }
    }

    mutating func titlePage(_ content: JSONValue) throws {
        let (width, height, regular, bold, margin, contentWidth) = (size.width, size.height, regular, bold, margin, contentWidth)
        try page { canvas in
            let below = canvas.paragraph(Self.text(content["title"]) ?? "My Vision Workbook", x: margin, y: height * 0.62,
                                         width: contentWidth, font: bold, size: 20, maxLines: 3, color: WorkbookLayout.ink, centered: true)
            if let subtitle = Self.text(content["subtitle"]) {
                canvas.paragraph(subtitle, x: margin, y: below - 6, width: contentWidth, font: regular, size: 12, maxLines: 2,
                                 color: WorkbookLayout.muted, centered: true)
            }
            if let name = Self.text(content["userName"]) {
                canvas.text("Prepared for " + String(name.prefix(80)), x: width / 2, y: height * 0.3, font: regular, size: 11,
                            color: WorkbookLayout.ink, centered: true)
            }
            if let date = Self.text(content["createdDate"]) {
                canvas.text(String(date.prefix(40)), x: width / 2, y: height * 0.3 - 18, font: regular, size: 10, color: WorkbookLayout.muted, centered: true)
            }
        }
    }

    mutating func dedication(_ content: JSONValue) throws {
        let (height, regular, margin, contentWidth) = (size.height, regular, margin, contentWidth)
        try page { canvas in
            canvas.paragraph(Self.text(content["text"]) ?? "", x: margin, y: height * 0.62, width: contentWidth, font: regular, size: 12,
                             maxLines: 16, color: WorkbookLayout.ink, centered: true)
        }
    }

    mutating func letter(_ title: String, _ content: JSONValue) throws {
        let (regular, margin, contentWidth) = (regular, margin, contentWidth)
        let sink = self
        try page { canvas in
            let top = sink.heading(&canvas, title)
            canvas.paragraph(Self.text(content["letter"]) ?? "", x: margin, y: top, width: contentWidth, font: regular, size: 10.5,
                             maxLines: Int((top - margin) / 14), color: WorkbookLayout.ink)
        }
    }

    mutating func board(_ board: JSONValue) throws {
        let (regular, bold, margin, contentWidth, height) = (regular, bold, margin, contentWidth, size.height)
        let image = board["imageUrl"]?.stringValue.flatMap { images[$0] }
        try page { canvas in
            let boxHeight = height * 0.5
            let boxTop = height - margin
            if let image {
                canvas.draw(image, x: margin, y: boxTop - boxHeight, width: contentWidth, height: boxHeight)
            } else {
                canvas.stroke(x: margin, y: boxTop - boxHeight, width: contentWidth, height: boxHeight, color: WorkbookLayout.rule)
                canvas.text("Your vision", x: margin + contentWidth / 2, y: boxTop - boxHeight / 2, font: regular, size: 10,
                            color: WorkbookLayout.muted, centered: true)
            }
            var y = canvas.paragraph(Self.text(board["prompt"]) ?? "", x: margin, y: boxTop - boxHeight - 20, width: contentWidth,
                                     font: bold, size: 11, maxLines: 3, color: WorkbookLayout.ink)
            var prompts: [String] = []
            if case .array(let items)? = board["reflectionPrompts"] { prompts = items.compactMap { Self.text($0) } }
            for prompt in prompts.prefix(3) {
                y -= 6
                y = canvas.paragraph(prompt, x: margin, y: y, width: contentWidth, font: regular, size: 9, maxLines: 2, color: WorkbookLayout.muted)
                canvas.line(from: (margin, y - 4), to: (margin + contentWidth, y - 4), color: WorkbookLayout.rule)
                y -= 18
            }
        }
    }

    mutating func financial(_ title: String, _ content: JSONValue) throws {
        let (regular, bold, margin, contentWidth) = (regular, bold, margin, contentWidth)
        let sink = self
        var rows: [(String, String)] = []
        if case .object(let summary)? = content["summary"] {
            for (key, value) in summary.sorted(by: { $0.key < $1.key }).prefix(20) {
                rows.append((String(key.prefix(40)), Self.describe(value)))
            }
        }
        for (key, label) in [("retirementGoal", "Retirement goal"), ("monthlyBudget", "Monthly budget")] {
            if let value = content[key], value != .null { rows.append((label, Self.describe(value))) }
        }
        try page { canvas in
            var y = sink.heading(&canvas, title)
            for (label, value) in rows {
                canvas.text(label, x: margin, y: y, font: bold, size: 9.5, color: WorkbookLayout.ink)
                y = canvas.paragraph(value, x: margin + contentWidth * 0.45, y: y, width: contentWidth * 0.55, font: regular, size: 9.5,
                                     maxLines: 2, color: WorkbookLayout.ink) - 4
                if y < margin { break }
            }
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): String(text.prefix(120))
        case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(format: "%.2f", number)
        case .bool(let flag): flag ? "yes" : "no"
        case .null: "-"
        case .array(let items): "\(items.count) items"
        case .object(let fields): "\(fields.count) entries"
        }
    }

    mutating func monthlyPlanners(_ content: JSONValue) throws {
        let (regular, bold, margin, contentWidth) = (regular, bold, margin, contentWidth)
        for month in WorkbookLayout.months(content).prefix(12) {
            var tasks: [(String, Bool)] = []
            if case .array(let items)? = month["tasks"] {
                tasks = items.prefix(14).map { (Self.text($0["title"]) ?? "", $0["done"] == .bool(true)) }
            }
            let sink = self
            try page { canvas in
                var y = sink.heading(&canvas, Self.text(month["label"]) ?? "Month")
                canvas.text("Milestones and tasks", x: margin, y: y, font: bold, size: 10, color: WorkbookLayout.ink)
                y -= 18
                for (title, done) in tasks {
                    canvas.stroke(x: margin, y: y - 1, width: 8, height: 8, color: WorkbookLayout.ink)
                    if done { canvas.fill(x: margin + 2, y: y + 1, width: 4, height: 4, color: WorkbookLayout.ink) }
                    canvas.paragraph(title, x: margin + 14, y: y, width: contentWidth - 14, font: regular, size: 9.5, maxLines: 1, color: WorkbookLayout.ink)
                    y -= 16
                }
                y -= 8
                canvas.text("Focus for this month", x: margin, y: y, font: bold, size: 10, color: WorkbookLayout.ink)
                sink.ruled(&canvas, from: y - 20, to: margin)
            }
        }
    }

    mutating func habitTracker(_ content: JSONValue) throws {
        var habits: [String] = []
        if case .array(let items)? = content["habits"] { habits = items.prefix(12).map { Self.text($0["title"]) ?? "Habit" } }
        let (regular, margin, contentWidth) = (regular, margin, contentWidth)
        for label in WorkbookLayout.labels(content["months"]).prefix(12) {
            let sink = self
            try page { canvas in
                let top = sink.heading(&canvas, "Habits · " + String(label.prefix(40)))
                let nameWidth = contentWidth * 0.3
                let cell = (contentWidth - nameWidth) / 31
                for day in 1...31 where day == 1 || day % 5 == 0 {
                    canvas.text(String(day), x: margin + nameWidth + (Double(day) - 0.5) * cell, y: top, font: regular, size: 6,
                                color: WorkbookLayout.muted, centered: true)
                }
                var y = top - 16
                for habit in habits {
                    canvas.paragraph(habit, x: margin, y: y + 2, width: nameWidth - 4, font: regular, size: 8, maxLines: 1, color: WorkbookLayout.ink)
                    for day in 0..<31 {
                        canvas.stroke(x: margin + nameWidth + Double(day) * cell, y: y - 2, width: cell, height: cell, color: WorkbookLayout.rule, lineWidth: 0.4)
                    }
                    y -= max(cell, 10) + 6
                }
            }
        }
    }

    mutating func journal(_ content: JSONValue, weeksPerPage: Int) throws {
        var prompts: [String] = []
        if case .array(let items)? = content["prompts"] { prompts = items.prefix(6).compactMap { Self.text($0) } }
        let weeks = WorkbookLayout.weeks(content)
        let (regular, bold, margin, height) = (regular, bold, margin, size.height)
        var week = 1
        while week <= weeks {
            let first = week
            let last = min(week + weeksPerPage - 1, weeks)
            let sink = self
            try page { canvas in
                let band = (height - 2 * margin) / Double(last - first + 1)
                for (index, number) in (first...last).enumerated() {
                    var y = height - margin - Double(index) * band - 12
                    canvas.text("Week \(number)", x: margin, y: y, font: bold, size: weeksPerPage > 2 ? 10 : 13, color: WorkbookLayout.ink)
                    y -= 18
                    let bottom = height - margin - Double(index + 1) * band
                    let step = max((y - bottom) / Double(max(prompts.count, 1)), 14)
                    for prompt in prompts where y - 6 > bottom {
                        canvas.text(String(prompt.prefix(60)), x: margin, y: y, font: regular, size: 8.5, color: WorkbookLayout.muted)
                        sink.ruled(&canvas, from: y - 14, to: max(y - step + 6, bottom + 2), spacing: 16)
                        y -= step
                    }
                }
            }
            week = last + 1
        }
    }

    mutating func notes(count: Int, title: String) throws {
        for _ in 0..<count {
            let sink = self
            try page { canvas in
                let top = sink.heading(&canvas, title)
                sink.ruled(&canvas, from: top, to: sink.margin)
            }
        }
    }
}
