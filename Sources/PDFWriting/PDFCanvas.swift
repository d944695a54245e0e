/// One page's drawing: text in an embedded font, filled and stroked rectangles, lines and
/// images, in points from the trim box's lower-left corner (the bleed lies outside it, at
/// negative coordinates and beyond the trim size).
public struct PDFCanvas: Sendable {
    public let geometry: PDFDocumentWriter.PageGeometry
    var content: [UInt8] = []

    init(geometry: PDFDocumentWriter.PageGeometry) {
        self.geometry = geometry
        // Every operation below is relative to the trim box.
        emit("1 0 0 1 \(Self.number(geometry.bleed)) \(Self.number(geometry.bleed)) cm")
    }

    /// An RGB colour, each component from 0 to 1.
    public struct Color: Sendable, Equatable {
        public var red: Double, green: Double, blue: Double
        public init(_ red: Double, _ green: Double, _ blue: Double) {
            self.red = red
            self.green = green
            self.blue = blue
        }
        public static let black = Color(0, 0, 0)
        public static let white = Color(1, 1, 1)
        var operands: String { [red, green, blue].map { PDFCanvas.number(min(max($0, 0), 1)) }.joined(separator: " ") }
    }

    mutating func emit(_ line: String) {
        content += Array(line.utf8)
        content.append(0x0A)
    }

    /// Fills a rectangle; `x`, `y` is its lower-left corner.
    public mutating func fill(x: Double, y: Double, width: Double, height: Double, color: Color) {
        emit("\(color.operands) rg \(Self.number(x)) \(Self.number(y)) \(Self.number(width)) \(Self.number(height)) re f")
    }

    /// Outlines a rectangle.
    public mutating func stroke(x: Double, y: Double, width: Double, height: Double, color: Color, lineWidth: Double = 0.5) {
        emit("\(color.operands) RG \(Self.number(lineWidth)) w \(Self.number(x)) \(Self.number(y)) \(Self.number(width)) \(Self.number(height)) re S")
    }

    /// A straight line.
    public mutating func line(from start: (Double, Double), to end: (Double, Double), color: Color, lineWidth: Double = 0.5) {
        emit("\(color.operands) RG \(Self.number(lineWidth)) w \(Self.number(start.0)) \(Self.number(start.1)) m \(Self.number(end.0)) \(Self.number(end.1)) l S")
    }

    /// `text` on one line with its baseline at `y`, starting at `x` (or centred on `x` when `centered`).
    public mutating func text(_ text: String, x: Double, y: Double, font: PDFDocumentWriter.Font, size: Double, color: Color = .black, centered: Bool = false) {
        let codes = WinAnsi.encode(text)
        let left = centered ? x - font.font.width(of: codes, size: size) / 2 : x
        emit("BT \(color.operands) rg /\(font.resource) \(Self.number(size)) Tf \(Self.number(left)) \(Self.number(y)) Td \(Self.literal(codes)) Tj ET")
    }

    /// `text` wrapped at word boundaries into lines no wider than `width`, the first baseline at
    /// `y`, `leading` apart, at most `maxLines` lines (the last ends in an ellipsis when cut).
    /// Answers the baseline below the last line written.
    @discardableResult
    public mutating func paragraph(
        _ text: String, x: Double, y: Double, width: Double, font: PDFDocumentWriter.Font, size: Double, leading: Double? = nil,
        maxLines: Int = .max, color: Color = .black, centered: Bool = false
    ) -> Double {
        let step = leading ?? size * 1.35
        let maxLines = max(maxLines, 1)
        // No more text is laid out than the lines could hold (at the narrowest glyph, a point).
        let room = maxLines == .max ? text.count : min(text.count, maxLines.multipliedReportingOverflow(by: Int(max(width, 1)) + 1).partialValue)
        var lines = Self.wrap(String(text.prefix(max(room, 0))), width: width, font: font.font, size: size)
        if lines.count > maxLines {
            lines = Array(lines.prefix(maxLines))
            lines[lines.count - 1] = Self.ellipsized(lines[lines.count - 1], width: width, font: font.font, size: size)
        }
        var baseline = y
        for line in lines {
            self.text(line, x: centered ? x + width / 2 : x, y: baseline, font: font, size: size, color: color, centered: centered)
            baseline -= step
        }
        return baseline
    }

    /// Draws `image` scaled to fit inside the box (kept in proportion, centred).
    public mutating func draw(_ image: PDFDocumentWriter.Image, x: Double, y: Double, width: Double, height: Double) {
        let scale = min(width / Double(image.width), height / Double(image.height))
        let w = Double(image.width) * scale, h = Double(image.height) * scale
        emit("q \(Self.number(w)) 0 0 \(Self.number(h)) \(Self.number(x + (width - w) / 2)) \(Self.number(y + (height - h) / 2)) cm /\(image.resource) Do Q")
    }

    /// Lines of `text` no wider than `width` (a word wider than the line is cut), found in one
    /// pass over the characters' widths.
    static func wrap(_ text: String, width: Double, font: TrueTypeFont, size: Double) -> [String] {
        let limit = width * 1000 / size
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = "", lineWidth = 0.0
            var word = "", wordWidth = 0.0
            let space = Double(font.advance(of: 0x20))
            func flushWord() {
                guard !word.isEmpty else { return }
                if line.isEmpty {
                    (line, lineWidth) = (word, wordWidth)
                } else if lineWidth + space + wordWidth <= limit {
                    line += " " + word
                    lineWidth += space + wordWidth
                } else {
                    lines.append(line)
                    (line, lineWidth) = (word, wordWidth)
                }
                (word, wordWidth) = ("", 0)
            }
            for character in paragraph {
                if character == " " { flushWord(); continue }
                let advance = Double(WinAnsi.encode(String(character)).reduce(0) { $0 + font.advance(of: $1) })
                if wordWidth + advance > limit, !word.isEmpty {
                    // A word wider than the line: what fits goes on a line of its own.
                    flushWord()
                    if !line.isEmpty, lineWidth > 0 { lines.append(line); (line, lineWidth) = ("", 0) }
                }
                word.append(character)
                wordWidth += advance
            }
            flushWord()
            lines.append(line)
        }
        return lines
    }

    static func ellipsized(_ line: String, width: Double, font: TrueTypeFont, size: Double) -> String {
        var shortened = line
        while !shortened.isEmpty, font.width(of: WinAnsi.encode(shortened + "…"), size: size) > width { shortened.removeLast() }
        return shortened + "…"
    }

    /// A PDF literal string of codes, with `\`, `(` and `)` escaped.
    static func literal(_ codes: [UInt8]) -> String {
        var out = "("
        for code in codes {
            switch code {
            case 0x5C, 0x28, 0x29: out += "\\" + String(UnicodeScalar(code))
            case 0x20...0x7E: out.unicodeScalars.append(UnicodeScalar(code))
            default: out += "\\" + String(code, radix: 8)
            }
        }
        return out + ")"
    }

    /// A number as PDF writes it: at most two decimals, no exponent.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = (value * 100).rounded()
        let clamped = min(max(hundredths, -3.2e9), 3.2e9)
        let integer = Int(clamped)
        let sign = integer < 0 ? "-" : ""
        let magnitude = abs(integer)
        let fraction = magnitude % 100
        return fraction == 0 ? "\(sign)\(magnitude / 100)" : "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
