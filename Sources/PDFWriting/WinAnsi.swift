/// PDF's WinAnsiEncoding: the one-byte codes the writer's simple fonts use, and the Unicode
/// character each stands for (PDF 32000-1, Annex D.2).
enum WinAnsi {
    /// The characters of codes 0x80 to 0x9F (nil: no character).
    static let high: [UInt32?] = [
        0x20AC, nil, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, nil, 0x017D, nil,
        nil, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, nil, 0x017E, 0x0178,
    ]

    /// The character code `code` (32 to 255) stands for.
    static func scalar(of code: Int) -> UInt32? {
        switch code {
        case 0x20...0x7E, 0xA0...0xFF: UInt32(code)
        case 0x80...0x9F: high[code - 0x80]
        default: nil
        }
    }

    /// The code of `scalar`, or nil when the encoding has none.
    static func code(of scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if (0x20...0x7E).contains(value) || (0xA0...0xFF).contains(value) { return UInt8(value) }
        if let index = high.firstIndex(of: value) { return UInt8(0x80 + index) }
        return nil
    }

    /// `text` as codes: tabs and line breaks become spaces, typographic look-alikes the
    /// encoding lacks their plain forms, and anything else `?`.
    static func encode(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { scalar in
            if let code = code(of: scalar) { return code }
            switch scalar.value {
            case 0x09, 0x0A, 0x0D, 0x2028, 0x2029: return 0x20
            case 0x2010, 0x2011, 0x2012, 0x2212: return 0x2D
            default: return 0x3F
            }
        }
    }
}
