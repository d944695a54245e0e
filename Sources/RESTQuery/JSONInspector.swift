/// Checks that bytes are exactly one JSON text (RFC 8259) and reports what a write needs to
/// know about it: the top-level kind and the keys of its rows (the object's keys, or the union of
/// an array's objects' keys, first seen first). Iterative, so nesting depth cannot exhaust the
/// stack; values are never built.
struct JSONInspector {
    enum TopLevel: Equatable {
        case object
        /// `allObjects` is false when some element is not an object.
        case array(allObjects: Bool)
        case scalar
    }

    struct Inspection: Equatable {
        var topLevel: TopLevel
        var keys: [String]
        /// The deepest nesting of arrays and objects: 0 for a scalar, 1 for `{}` or `[]`.
        var depth = 0
    }

    private enum Expectation {
        case value, valueOrArrayEnd, key, keyOrObjectEnd, colon, commaOrObjectEnd, commaOrArrayEnd, end
    }

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// nil when the bytes are not one valid JSON text.
    static func inspect(_ bytes: [UInt8]) -> Inspection? {
        var inspector = JSONInspector(bytes)
        return inspector.run()
    }

    private mutating func run() -> Inspection? {
        // The open containers: true for an object.
        var stack: [Bool] = []
        var topLevel: TopLevel?
        var keys: [String] = []
        var seen: Set<String> = []
        var expectation = Expectation.value
        var depth = 0

        func afterValue() -> Expectation {
            guard let innermost = stack.last else { return .end }
            return innermost ? .commaOrObjectEnd : .commaOrArrayEnd
        }
        // Rows are the top-level object, or the elements of the top-level array.
        func collectsKeys() -> Bool {
            stack.count == 1 && topLevel == .object || stack.count == 2 && topLevel != .object
        }

        while true {
            skipWhitespace()
            switch expectation {
            case .end:
                return index == bytes.count ? topLevel.map { Inspection(topLevel: $0, keys: keys, depth: depth) } : nil
            case .value, .valueOrArrayEnd:
                guard index < bytes.count else { return nil }
                let byte = bytes[index]
                if expectation == .valueOrArrayEnd, byte == UInt8(ascii: "]") {
                    index += 1
                    stack.removeLast()
                    expectation = afterValue()
                    continue
                }
                let isRow = stack.count == 1 && topLevel != nil && topLevel != .object
                if isRow, byte != UInt8(ascii: "{") { topLevel = .array(allObjects: false) }
                switch byte {
                case UInt8(ascii: "{"):
                    index += 1
                    if topLevel == nil { topLevel = .object }
                    stack.append(true)
                    depth = max(depth, stack.count)
                    expectation = .keyOrObjectEnd
                case UInt8(ascii: "["):
                    index += 1
                    if topLevel == nil { topLevel = .array(allObjects: true) }
                    stack.append(false)
                    depth = max(depth, stack.count)
                    expectation = .valueOrArrayEnd
                default:
                    if topLevel == nil { topLevel = .scalar }
                    guard scalarValue() else { return nil }
                    expectation = afterValue()
                }
            case .key, .keyOrObjectEnd:
                guard index < bytes.count else { return nil }
                if expectation == .keyOrObjectEnd, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    stack.removeLast()
                    expectation = afterValue()
                    continue
                }
                guard bytes[index] == UInt8(ascii: "\"") else { return nil }
                let collect = collectsKeys()
                guard let key = string(decoding: collect) else { return nil }
                if collect, !seen.contains(key) {
                    seen.insert(key)
                    keys.append(key)
                }
                expectation = .colon
            case .colon:
                guard take(UInt8(ascii: ":")) else { return nil }
                expectation = .value
            case .commaOrObjectEnd:
                if take(UInt8(ascii: ",")) {
                    expectation = .key
                } else if take(UInt8(ascii: "}")) {
                    stack.removeLast()
                    expectation = afterValue()
                } else {
                    return nil
                }
            case .commaOrArrayEnd:
                if take(UInt8(ascii: ",")) {
                    expectation = .value
                } else if take(UInt8(ascii: "]")) {
                    stack.removeLast()
                    expectation = afterValue()
                } else {
                    return nil
                }
            }
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func take(_ literal: String) -> Bool {
        let expected = Array(literal.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            return false
        }
        index += expected.count
        return true
    }

    /// A string, number or literal.
    private mutating func scalarValue() -> Bool {
        switch bytes[index] {
        case UInt8(ascii: "\""): string(decoding: false) != nil
        case UInt8(ascii: "t"): take("true")
        case UInt8(ascii: "f"): take("false")
        case UInt8(ascii: "n"): take("null")
        default: number()
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() -> Bool {
        _ = take(UInt8(ascii: "-"))
        guard index < bytes.count, isDigit(bytes[index]) else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if take(UInt8(ascii: ".")) {
            guard digits() else { return false }
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard digits() else { return false }
        }
        return true
    }

    private mutating func digits() -> Bool {
        let start = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index > start
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// A string from its opening quote; its decoded text when `decoding` (else "").
    /// Lone surrogate escapes decode to U+FFFD.
    private mutating func string(decoding: Bool) -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        var text = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flushRaw() {
            guard !raw.isEmpty else { return }
            text.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard decoding else { return "" }
                flushRaw()
                return String(text)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                var scalar: Unicode.Scalar
                switch escape {
                case UInt8(ascii: "\""): scalar = "\""
                case UInt8(ascii: "\\"): scalar = "\\"
                case UInt8(ascii: "/"): scalar = "/"
                case UInt8(ascii: "b"): scalar = "\u{08}"
                case UInt8(ascii: "f"): scalar = "\u{0C}"
                case UInt8(ascii: "n"): scalar = "\n"
                case UInt8(ascii: "r"): scalar = "\r"
                case UInt8(ascii: "t"): scalar = "\t"
                case UInt8(ascii: "u"):
                    guard let unit = hexUnit() else { return nil }
                    if (0xD800...0xDBFF).contains(unit), index + 1 < bytes.count,
                       bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        let save = index
                        index += 2
                        guard let low = hexUnit() else { return nil }
                        if (0xDC00...0xDFFF).contains(low) {
                            let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                            scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
                        } else {
                            index = save
                            scalar = "\u{FFFD}"
                        }
                    } else {
                        scalar = Unicode.Scalar(unit) ?? "\u{FFFD}"
                    }
                default:
                    return nil
                }
                if decoding {
                    flushRaw()
                    text.append(scalar)
                }
            case 0x00..<0x20:
                return nil
            default:
                if decoding { raw.append(byte) }
            }
        }
        return nil
    }

    private mutating func hexUnit() -> UInt16? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        index += 4
        return value
    }
}
