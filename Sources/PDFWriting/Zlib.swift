import CZlib

/// Flate (zlib) compression, as PDF's `/FlateDecode` streams and PNG's image data use it.
enum Zlib {
    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "zlib failed (\(code))" }
    }

    /// `bytes` compressed into a zlib stream.
    static func deflate(_ bytes: [UInt8], level: Int32 = 6) throws(Failure) -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let code = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &size, input.baseAddress, uLong(input.count), level)
            }
        }
        guard code == Z_OK else { throw Failure(code: code) }
        output.removeSubrange(Int(size)...)
        return output
    }

    /// A zlib stream inflated into exactly `expectedSize` bytes: a stream that holds more, less,
    /// or is damaged is refused, so a hostile stream cannot make it allocate more than asked.
    static func inflate(_ bytes: [UInt8], expectedSize: Int) throws(Failure) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expectedSize + 1)
        var size = uLong(output.count)
        let code = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &size, input.baseAddress, uLong(input.count))
            }
        }
        guard code == Z_OK, Int(size) == expectedSize else { throw Failure(code: code == Z_OK ? Z_DATA_ERROR : code) }
        output.removeLast()
        return output
    }
}
