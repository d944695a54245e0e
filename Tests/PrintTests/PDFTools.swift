import Foundation
@testable import PDFWriting
import TestSupport

extension PDFTools {
    /// A page rendered by pdftoppm at `dpi`: its pixels (RGB, top row first).
    static func render(_ pdf: [UInt8], page: Int, dpi: Int = 36) async throws -> Raster {
        try await withFile(pdf) { path in
            let prefix = path + "-page"
            let result = try await run("pdftoppm", ["-r", String(dpi), "-f", String(page), "-l", String(page), "-singlefile", path, prefix])
            defer { try? FileManager.default.removeItem(atPath: prefix + ".ppm") }
            guard result.status == 0, let data = FileManager.default.contents(atPath: prefix + ".ppm") else {
                throw RenderFailed(output: result.output)
            }
            return try Raster(ppm: [UInt8](data))
        }
    }
}


/// An RGB image read from a binary PPM (P6) file.
struct Raster {
    let width: Int
    let height: Int
    let pixels: [UInt8]

    init(ppm: [UInt8]) throws {
        // Header: "P6", width, height, maxval, each after whitespace; then the samples.
        var fields: [String] = []
        var index = 0
        while fields.count < 4, index < ppm.count {
            while index < ppm.count, [0x20, 0x0A, 0x0D, 0x09].contains(ppm[index]) { index += 1 }
            var field = ""
            while index < ppm.count, ![0x20, 0x0A, 0x0D, 0x09].contains(ppm[index]) {
                field.unicodeScalars.append(UnicodeScalar(ppm[index]))
                index += 1
            }
            fields.append(field)
        }
        index += 1
        guard fields.count == 4, fields[0] == "P6", let width = Int(fields[1]), let height = Int(fields[2]), ppm.count - index >= width * height * 3 else {
            throw PDFTools.RenderFailed(output: "not a P6 image")
        }
        self.width = width
        self.height = height
        pixels = Array(ppm[index..<(index + width * height * 3)])
    }

    /// The pixel at a fraction of the width and height (from the top left).
    func color(x: Double, y: Double) -> (r: Int, g: Int, b: Int) {
        let column = min(max(Int(Double(width) * x), 0), width - 1)
        let row = min(max(Int(Double(height) * y), 0), height - 1)
        let at = (row * width + column) * 3
        return (Int(pixels[at]), Int(pixels[at + 1]), Int(pixels[at + 2]))
    }

    /// Whether any pixel in the box (fractions, top left origin) is darker than `level`.
    func hasInk(x: ClosedRange<Double>, y: ClosedRange<Double>, level: Int = 128) -> Bool {
        for row in Int(Double(height) * y.lowerBound)..<max(Int(Double(height) * y.upperBound), 1) {
            for column in Int(Double(width) * x.lowerBound)..<max(Int(Double(width) * x.upperBound), 1) {
                let at = (row * width + column) * 3
                if Int(pixels[at]) + Int(pixels[at + 1]) + Int(pixels[at + 2]) < level * 3 { return true }
            }
        }
        return false
    }
}

/// PNG files built for tests: 8-bit gray, RGB or RGBA pixels, each row with the filter asked.
enum TestPNG {
    static func make(width: Int, height: Int, channels: Int, filter: UInt8 = 0, pixel: (Int, Int) -> [UInt8]) throws -> [UInt8] {
        var raw: [UInt8] = []
        var previous = [UInt8](repeating: 0, count: width * channels)
        for y in 0..<height {
            let row = (0..<width).flatMap { pixel($0, y) }
            raw.append(filter)
            for (i, value) in row.enumerated() {
                let left = i >= channels ? Int(row[i - channels]) : 0
                let up = Int(previous[i])
                let upLeft = i >= channels ? Int(previous[i - channels]) : 0
                let predicted: Int
                switch filter {
                case 1: predicted = left
                case 2: predicted = up
                case 3: predicted = (left + up) / 2
                case 4:
                    let p = left + up - upLeft
                    let (a, b, c) = (abs(p - left), abs(p - up), abs(p - upLeft))
                    predicted = a <= b && a <= c ? left : (b <= c ? up : upLeft)
                default: predicted = 0
                }
                raw.append(value &- UInt8(predicted & 0xFF))
            }
            previous = row
        }
        let color: UInt8 = [1: 0, 2: 4, 3: 2, 4: 6][channels] ?? 2
        var header: [UInt8] = []
        header += be32(width) + be32(height) + [8, color, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", try Zlib.deflate(raw)) + chunk("IEND", [])
    }

    static func be32(_ value: Int) -> [UInt8] { [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body)))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
