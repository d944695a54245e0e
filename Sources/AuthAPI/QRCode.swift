/// QR codes (ISO/IEC 18004) of short texts, for MFA enrolment's `qr_code`: byte mode, error
/// correction level M, the smallest version that holds the text (1 to 40), the mask of lowest
/// penalty; drawn as SVG. Pure.
struct QRCode: Sendable {
    let version: Int
    let mask: Int
    /// Dark modules, by row then column.
    let modules: [[Bool]]
    var size: Int { modules.count }

    struct TooLong: Error {}

    /// Level M's error-correction codewords per block and blocks, by version.
    static let eccPerBlock = [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28,
                              28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28]
    static let blocks = [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31,
                         33, 35, 37, 38, 40, 43, 45, 47, 49]

    /// Encodes `text`'s UTF-8 bytes; `mask` forces a mask (the tests compare each with another encoder).
    init(_ text: String, mask forced: Int? = nil, version forcedVersion: Int? = nil) throws(TooLong) {
        let bytes = Array(text.utf8)
        var chosen: Int?
        for version in (forcedVersion ?? 1)...(forcedVersion ?? 40) {
            let countBits = version <= 9 ? 8 : 16
            if 4 + countBits + bytes.count * 8 <= Self.dataCodewords(version) * 8 { chosen = version; break }
        }
        guard let version = chosen else { throw TooLong() }
        let capacity = Self.dataCodewords(version)
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) { for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        append(0b0100, 4)
        append(bytes.count, version <= 9 ? 8 : 16)
        for byte in bytes { append(Int(byte), 8) }
        append(0, min(4, capacity * 8 - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < capacity { data.append(pad); pad ^= 0xEC ^ 0x11 }

        var grid = Grid(size: version * 4 + 17)
        grid.drawFunctionPatterns(version: version)
        grid.drawCodewords(Self.interleaved(data, version: version))
        var best = (mask: 0, penalty: Int.max, modules: grid.modules)
        for mask in forced.map({ [$0] }) ?? Array(0..<8) {
            var candidate = grid
            candidate.apply(mask: mask)
            candidate.drawFormatBits(mask: mask)
            let penalty = forced == nil ? candidate.penalty() : 0
            if penalty < best.penalty { best = (mask, penalty, candidate.modules) }
        }
        self.version = version
        self.mask = best.mask
        modules = best.modules
    }

    /// Data codewords a version holds at level M.
    static func dataCodewords(_ version: Int) -> Int {
        rawDataModules(version) / 8 - eccPerBlock[version] * blocks[version]
    }

    static func rawDataModules(_ version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    /// The data split into blocks, each with its Reed-Solomon codewords, interleaved.
    static func interleaved(_ data: [UInt8], version: Int) -> [UInt8] {
        let count = blocks[version], ecc = eccPerBlock[version]
        let raw = rawDataModules(version) / 8
        let shortBlocks = count - raw % count
        let shortLength = raw / count
        let divisor = ReedSolomon.divisor(degree: ecc)
        var split: [[UInt8]] = []
        var start = 0
        for index in 0..<count {
            let length = shortLength - ecc + (index < shortBlocks ? 0 : 1)
            var block = Array(data[start..<start + length])
            start += length
            let remainder = ReedSolomon.remainder(block, divisor)
            if index < shortBlocks { block.append(0) }
            split.append(block + remainder)
        }
        var result: [UInt8] = []
        for i in 0..<split[0].count {
            for (j, block) in split.enumerated() where i != shortLength - ecc || j >= shortBlocks { result.append(block[i]) }
        }
        return result
    }

    /// The code as SVG (a quiet zone of four modules), black on white.
    var svg: String {
        let side = size + 8
        var path = ""
        for (y, row) in modules.enumerated() {
            var x = 0
            while x < size {
                guard row[x] else { x += 1; continue }
                let start = x
                while x < size, row[x] { x += 1 }
                path += "M\(start + 4) \(y + 4)h\(x - start)v1h-\(x - start)z"
            }
        }
        return ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(side) \##(side)" shape-rendering="crispEdges">"##
            + ##"<path fill="#ffffff" d="M0 0h\##(side)v\##(side)H0z"/><path fill="#000000" d="\##(path)"/></svg>"##
    }
}

/// The module grid while a code is drawn: which modules are dark, which belong to function patterns.
struct Grid: Sendable {
    var modules: [[Bool]]
    var function: [[Bool]]
    var size: Int { modules.count }

    init(size: Int) {
        modules = Array(repeating: Array(repeating: false, count: size), count: size)
        function = modules
    }

    mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y][x] = dark
        function[y][x] = true
    }

    mutating func drawFunctionPatterns(version: Int) {
        for i in 0..<size {
            set(6, i, i % 2 == 0)
            set(i, 6, i % 2 == 0)
        }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 where (0..<size).contains(x + dx) && (0..<size).contains(y + dy) {
                    let distance = max(abs(dx), abs(dy))
                    set(x + dx, y + dy, distance != 2 && distance != 4)
                }
            }
        }
        let positions = alignmentPositions(version)
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() {
                let last = positions.count - 1
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 { for dx in -2...2 { set(x + dx, y + dy, max(abs(dx), abs(dy)) != 1) } }
            }
        }
        drawFormatBits(mask: 0)
        if version >= 7 {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for i in 0..<18 {
                let dark = (bits >> i) & 1 == 1
                let a = size - 11 + i % 3, b = i / 3
                set(a, b, dark)
                set(b, a, dark)
            }
        }
    }

    func alignmentPositions(_ version: Int) -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let step = version == 32 ? 26 : (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
        var result = [6]
        var position = size - 7
        for _ in 0..<(count - 1) {
            result.insert(position, at: 1)
            position -= step
        }
        return result
    }

    /// The format bits of level M and `mask`, both copies, and the dark module.
    mutating func drawFormatBits(mask: Int) {
        let data = 0 << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0..<6 { set(8, i, bit(i)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for i in 9..<15 { set(14 - i, 8, bit(i)) }
        for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
        set(8, size - 8, true)
    }

    /// The codewords in the zigzag order, two columns at a time from the right.
    mutating func drawCodewords(_ data: [UInt8]) {
        var i = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<size {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vertical : vertical
                    if !function[y][x], i < data.count * 8 {
                        modules[y][x] = (data[i >> 3] >> (7 - (i & 7))) & 1 == 1
                        i += 1
                    }
                }
            }
            right -= 2
        }
    }

    mutating func apply(mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !function[y][x] {
                let invert: Bool
                switch mask {
                case 0: invert = (x + y) % 2 == 0
                case 1: invert = y % 2 == 0
                case 2: invert = x % 3 == 0
                case 3: invert = (x + y) % 3 == 0
                case 4: invert = (x / 3 + y / 2) % 2 == 0
                case 5: invert = x * y % 2 + x * y % 3 == 0
                case 6: invert = (x * y % 2 + x * y % 3) % 2 == 0
                default: invert = ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if invert { modules[y][x].toggle() }
            }
        }
    }

    /// The standard's penalty: runs of five or more, 2x2 blocks, finder-like patterns (1:1:3:1:1
    /// with four light modules on a side; outside the code counts as light), and the share of
    /// dark modules away from half — counted as the reference encoders count them.
    func penalty() -> Int {
        var result = 0
        for transpose in [false, true] {
            for a in 0..<size {
                var color = false
                var run = 0
                var history = [Int](repeating: 0, count: 7)
                for b in 0..<size {
                    let dark = transpose ? modules[b][a] : modules[a][b]
                    if dark == color {
                        run += 1
                        if run == 5 { result += 3 } else if run > 5 { result += 1 }
                    } else {
                        addHistory(run, &history)
                        if !color { result += finderPatterns(history) * 40 }
                        color = dark
                        run = 1
                    }
                }
                if color {
                    addHistory(run, &history)
                    run = 0
                }
                addHistory(run + size, &history)
                result += finderPatterns(history) * 40
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let color = modules[y][x]
                if color == modules[y][x + 1], color == modules[y + 1][x], color == modules[y + 1][x + 1] { result += 3 }
            }
        }
        let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }
        let total = size * size
        result += ((abs(dark * 20 - total * 10) + total - 1) / total - 1) * 10
        return result
    }

    /// Pushes a run's length onto the newest end of the history (the first run gains the light border).
    func addHistory(_ length: Int, _ history: inout [Int]) {
        history.insert(history[0] == 0 ? length + size : length, at: 0)
        history.removeLast()
    }

    /// Finder-like patterns ending at the newest runs: 0, 1 or 2.
    func finderPatterns(_ history: [Int]) -> Int {
        let n = history[1]
        let core = n > 0 && history[2] == n && history[3] == n * 3 && history[4] == n && history[5] == n
        return (core && history[0] >= n * 4 && history[6] >= n ? 1 : 0) + (core && history[6] >= n * 4 && history[0] >= n ? 1 : 0)
    }
}

/// Reed-Solomon over GF(256) with the QR polynomial 0x11D.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> i) & 1) * Int(x)
        }
        return UInt8(z & 0xFF)
    }

    static func divisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<result.count {
                result[j] = multiply(result[j], root)
                if j + 1 < result.count { result[j] ^= result[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func remainder(_ data: [UInt8], _ divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for i in 0..<result.count { result[i] ^= multiply(divisor[i], factor) }
        }
        return result
    }
}
