import Core
import Testing

@testable import HTTPSupport

@Suite("Request ids and Server-Timing entries")
struct RequestTraceFormatTests {
    @Test("Server-Timing durations are milliseconds with three decimals", arguments: [
        (Duration.zero, "app;dur=0.000"), (.microseconds(7), "app;dur=0.007"), (.microseconds(42), "app;dur=0.042"),
        (.microseconds(1_005), "app;dur=1.005"), (.microseconds(123_456), "app;dur=123.456"),
        (.seconds(90) + .nanoseconds(999), "app;dur=90000.000"),
    ])
    func timing(duration: Duration, expected: String) {
        #expect(serverTiming("app", duration) == expected)
    }

    @Test("new request ids are 32 lower-case hex digits, all different, and do not count up")
    func ids() {
        let ids = (0..<10_000).map { _ in RequestTraceMiddleware<AppRequestContext>.newID() }
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } })
        #expect(Set(ids).count == ids.count)
        // The second half is the scrambled number: consecutive ids share no long prefix there.
        let sharing = zip(ids, ids.dropFirst()).filter { $0.0.dropFirst(16).prefix(8) == $0.1.dropFirst(16).prefix(8) }
        #expect(sharing.count < 10)
    }

    @Test("the scrambling is a bijection on the numbers it meets first")
    func scrambled() {
        let values = (0..<50_000 as Range<UInt64>).map(IDSequence.scrambled)
        #expect(Set(values).count == values.count)
        #expect(IDSequence.scrambled(0) == 0 && IDSequence.scrambled(1) != 1)
    }

    @Test("hex writes both words in full, leading zeros included")
    func hex() {
        #expect(RequestTraceMiddleware<AppRequestContext>.hex(0, 0xABC) == "0000000000000000" + "0000000000000abc")
        #expect(RequestTraceMiddleware<AppRequestContext>.hex(.max, 1 << 63) == "ffffffffffffffff" + "8000000000000000")
    }
}
