@testable import AuthAPI
import Foundation
import Testing
import TestSupport

/// The MFA enrolment's QR codes against an independent encoder (qrcodegen, Project Nayuki's
/// Python library from PyPI, in the official client's virtualenv: `VISIONARY_PYTHON_CLIENT`):
/// the same modules for every mask and across versions, the same version chosen, and the same
/// mask where the penalty decides.
@Suite("Auth: QR codes of authenticator URIs")
struct QRCodeTests {
    struct Expected: Decodable {
        let version: Int
        let mask: Int
        let rows: [String]
    }

    /// qrcodegen's code of each (text, version, mask); nil version or mask: its own choice.
    static func reference(_ cases: [(String, Int?, Int?)]) async throws -> [Expected] {
        guard let python = ProcessInfo.processInfo.environment["VISIONARY_PYTHON_CLIENT"], !python.isEmpty else {
            throw PDFTools.Missing(variable: "VISIONARY_PYTHON_CLIENT")
        }
        let input = try JSONSerialization.data(withJSONObject: cases.map { [$0.0, $0.1 ?? NSNull(), $0.2 ?? NSNull()] as [Any] })
        let script = """
            import json, sys
            from qrcodegen import QrCode, QrSegment
            out = []
            for text, version, mask in json.loads(sys.argv[1]):
                q = QrCode.encode_segments([QrSegment.make_bytes(text.encode('utf-8'))], QrCode.Ecc.MEDIUM,
                                           version or 1, version or 40, -1 if mask is None else mask, False)
                size = q.get_size()
                out.append({'version': q.get_version(), 'mask': q.get_mask(),
                            'rows': [''.join('1' if q.get_module(x, y) else '0' for x in range(size)) for y in range(size)]})
            print(json.dumps(out))
            """
        let run = try await Program.run(python, ["-c", script, String(decoding: input, as: UTF8.self)])
        #expect(run.status == 0, "\(run.output)")
        return try JSONDecoder().decode([Expected].self, from: Data(run.output.utf8))
    }

    static func rows(_ code: QRCode) -> [String] {
        code.modules.map { row in String(row.map { $0 ? "1" : "0" }) }
    }

    @Test("module for module what qrcodegen draws, for each mask and for versions 1 to 14")
    func matchesSegno() async throws {
        let uri = "otpauth://totp/Visionary:ann%40mfa.test?secret=MGG6FABRZWXE4R55WTCQ6EKTOKRDZD5D&issuer=Visionary&algorithm=SHA1&digits=6&period=30"
        var cases: [(String, Int?, Int?)] = (0..<8).map { (uri, nil, $0) }
        let lengths = [5, 20, 40, 70, 100, 130, 160, 200, 240, 280, 330]
        cases += lengths.map { (String(repeating: "a1-é", count: $0 / 5 + 1), nil, 5) }
        let expected = try await Self.reference(cases)
        #expect(expected.count == cases.count)
        for (index, (text, _, mask)) in cases.enumerated() where index < expected.count {
            let mine = try QRCode(text, mask: mask)
            #expect(mine.version == expected[index].version, "version for \(text.utf8.count) bytes")
            #expect(Self.rows(mine) == expected[index].rows, "case \(index): \(text.utf8.count) bytes, mask \(mask ?? -1)")
        }
        #expect(Set(expected.map(\.version)).count >= 8, "many versions compared: \(expected.map(\.version))")
    }

    @Test("the mask chosen by the penalty is qrcodegen's, and the SVG draws the modules inside a quiet zone")
    func chosenMaskAndSVG() async throws {
        let texts = ["otpauth://totp/Visionary:bob%40x.test?secret=JBSWY3DPEHPK3PXP&issuer=Visionary", "hello", String(repeating: "visionary ", count: 20)]
        let expected = try await Self.reference(texts.map { ($0, nil, nil) })
        for (index, text) in texts.enumerated() where index < expected.count {
            let mine = try QRCode(text)
            #expect(mine.mask == expected[index].mask, "mask for \(text)")
            #expect(Self.rows(mine) == expected[index].rows)
        }
        let code = try QRCode("hello")
        #expect(code.svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29""#))
        #expect(code.svg.contains("M4 4h7v1h-7z"), "the top-left finder's first row")
        #expect(throws: QRCode.TooLong.self) { try QRCode(String(repeating: "x", count: 3_000)) }
    }
}
