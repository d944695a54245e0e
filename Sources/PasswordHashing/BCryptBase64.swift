/// bcrypt's radix-64 encoding: standard base64 bit order without padding, over the alphabet
/// `./A-Za-z0-9`.
enum BCryptBase64 {
    static let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// The value of each ASCII byte in the alphabet, or 0xFF.
    static let values: [UInt8] = {
        var values = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { values[Int(character)] = UInt8(value) }
        return values
    }()

    /// Four characters per three bytes; a final one or two bytes take two or three characters.
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let first = bytes[index]
            output.append(alphabet[Int(first >> 2)])
            guard index + 1 < bytes.count else {
                output.append(alphabet[Int((first & 0x03) << 4)])
                break
            }
            let second = bytes[index + 1]
            output.append(alphabet[Int((first & 0x03) << 4 | second >> 4)])
            guard index + 2 < bytes.count else {
                output.append(alphabet[Int((second & 0x0F) << 2)])
                break
            }
            let third = bytes[index + 2]
            output.append(alphabet[Int((second & 0x0F) << 2 | third >> 6)])
            output.append(alphabet[Int(third & 0x3F)])
            index += 3
        }
        return output
    }

    /// The first `count` bytes encoded by `characters`, or nil if a character is outside the
    /// alphabet or there are too few. Bits of the last character beyond `count` are ignored.
    static func decode(_ characters: some Collection<UInt8>, count: Int) -> [UInt8]? {
        var sextets: [UInt8] = []
        sextets.reserveCapacity(characters.count)
        for character in characters {
            let value = values[Int(character)]
            guard value != 0xFF else { return nil }
            sextets.append(value)
        }
        guard sextets.count * 6 >= count * 8 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var accumulator: UInt32 = 0
        var bits = 0
        for sextet in sextets where bytes.count < count {
            accumulator = accumulator << 6 | UInt32(sextet)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return bytes
    }
}
