import Core
import Crypto
import NIOCore

enum SHA256Digest {
    static func hex(of buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { SHA256.hash(data: $0).hexString }
    }
}
