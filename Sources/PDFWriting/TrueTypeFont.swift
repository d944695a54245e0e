import Foundation

/// A TrueType font file read far enough to embed it whole in a PDF as a simple font: the
/// metrics of its font descriptor and the advance width of each WinAnsi character.
public struct TrueTypeFont: Sendable {
    /// The PostScript-style name the PDF gives it (`/BaseFont`).
    public let name: String
    /// The file's bytes, embedded as `/FontFile2`.
    let data: [UInt8]
    /// Advance widths of codes 32 to 255, in thousandths of the font size.
    let widths: [Int]
    let boundingBox: [Int]
    let ascent: Int
    let descent: Int
    let capHeight: Int

    public struct Malformed: Error, CustomStringConvertible {
        let reason: String
        public var description: String { "not a usable TrueType font: \(reason)" }
    }

    /// Reads `data` (a `.ttf` file) under `name`.
    public init(name: String, data: [UInt8]) throws(Malformed) {
        let reader = ByteReader(data)
        guard data.count >= 12, let tableCount = reader.u16(4) else { throw Malformed(reason: "too short") }
        var tables: [String: (offset: Int, length: Int)] = [:]
        for index in 0..<tableCount {
            let record = 12 + index * 16
            guard let offset = reader.u32(record + 8), let length = reader.u32(record + 12), offset + length <= data.count,
                  let tag = String(bytes: data[record..<record + 4], encoding: .isoLatin1)
            else { throw Malformed(reason: "damaged table directory") }
            tables[tag] = (offset, length)
        }
        guard let head = tables["head"], let hhea = tables["hhea"], let hmtx = tables["hmtx"], let cmap = tables["cmap"],
              let unitsPerEm = reader.u16(head.offset + 18), unitsPerEm > 0,
              let xMin = reader.i16(head.offset + 36), let yMin = reader.i16(head.offset + 38),
              let xMax = reader.i16(head.offset + 40), let yMax = reader.i16(head.offset + 42),
              let ascender = reader.i16(hhea.offset + 4), let descender = reader.i16(hhea.offset + 6),
              let metricCount = reader.u16(hhea.offset + 34), metricCount > 0, metricCount * 4 <= hmtx.length
        else { throw Malformed(reason: "missing head, hhea, hmtx or cmap") }
        let glyphs = try Self.unicodeGlyphs(reader, cmap.offset)
        func scaled(_ value: Int) -> Int { value * 1000 / unitsPerEm }
        var widths: [Int] = []
        for code in 32...255 {
            let glyph = WinAnsi.scalar(of: code).flatMap(glyphs) ?? 0
            let advance = reader.u16(hmtx.offset + min(glyph, metricCount - 1) * 4) ?? 0
            widths.append(scaled(advance))
        }
        var capHeight = scaled(ascender) * 7 / 10
        if let os2 = tables["OS/2"], let version = reader.u16(os2.offset), version >= 2, let height = reader.i16(os2.offset + 88), height > 0 {
            capHeight = scaled(height)
        }
        self.name = String(name.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") })
        self.data = data
        self.widths = widths
        boundingBox = [scaled(xMin), scaled(yMin), scaled(xMax), scaled(yMax)]
        ascent = scaled(ascender)
        descent = scaled(descender)
        self.capHeight = capHeight
    }

    /// Advance of one code, in thousandths of the font size (0 below 32).
    func advance(of code: UInt8) -> Int {
        code >= 32 ? widths[Int(code) - 32] : 0
    }

    /// Width of `codes` at `size` points.
    public func width(of codes: [UInt8], size: Double) -> Double {
        Double(codes.reduce(0) { $0 + advance(of: $1) }) * size / 1000
    }

    /// The glyph of each Unicode character, from the Windows Unicode (3, 1) or Unicode (0, x)
    /// subtable of format 4.
    static func unicodeGlyphs(_ reader: ByteReader, _ cmap: Int) throws(Malformed) -> (UInt32) -> Int? {
        guard let count = reader.u16(cmap + 2) else { throw Malformed(reason: "damaged cmap") }
        var chosen: Int?
        for index in 0..<count {
            let record = cmap + 4 + index * 8
            guard let platform = reader.u16(record), let encoding = reader.u16(record + 2), let offset = reader.u32(record + 4) else { break }
            let table = cmap + offset
            guard reader.u16(table) == 4 else { continue }
            if platform == 3 && encoding == 1 { chosen = table; break }
            if platform == 0 { chosen = chosen ?? table }
        }
        guard let table = chosen, let segmentsTimesTwo = reader.u16(table + 6), segmentsTimesTwo > 0 else {
            throw Malformed(reason: "no Unicode cmap of format 4")
        }
        let ends = table + 14, starts = ends + segmentsTimesTwo + 2, deltas = starts + segmentsTimesTwo, ranges = deltas + segmentsTimesTwo
        return { scalar in
            guard scalar <= 0xFFFF else { return nil }
            let character = Int(scalar)
            for segment in 0..<(segmentsTimesTwo / 2) {
                guard let end = reader.u16(ends + segment * 2), end >= character else { continue }
                guard let start = reader.u16(starts + segment * 2), start <= character,
                      let delta = reader.u16(deltas + segment * 2), let range = reader.u16(ranges + segment * 2)
                else { return nil }
                if range == 0 { return (character + delta) & 0xFFFF }
                guard let glyph = reader.u16(ranges + segment * 2 + range + (character - start) * 2), glyph != 0 else { return nil }
                return (glyph + delta) & 0xFFFF
            }
            return nil
        }
    }
}

/// Big-endian reads that answer nil past the end instead of trapping.
struct ByteReader: Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u8(_ at: Int) -> Int? { at >= 0 && at < bytes.count ? Int(bytes[at]) : nil }
    func u16(_ at: Int) -> Int? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        return Int(bytes[at]) << 8 | Int(bytes[at + 1])
    }
    func i16(_ at: Int) -> Int? { u16(at).map { Int(Int16(truncatingIfNeeded: $0)) } }
    func u32(_ at: Int) -> Int? {
        guard let high = u16(at), let low = u16(at + 2) else { return nil }
        return high << 16 | low
    }
}
