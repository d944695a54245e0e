import Core
import Testing

@Suite("A map of the recently used")
struct RecentlyUsedTests {
    @Test("never holds more than its capacity, however many keys pass through")
    func bounded() {
        for capacity in [2, 3, 8, 101] {
            var map = RecentlyUsed<Int, Int>(capacity: capacity)
            for key in 0..<(capacity * 7) {
                map.insert(key * 10, for: key)
                #expect(map.count <= capacity, "capacity \(capacity) after \(key + 1) keys")
                #expect(map.value(for: key) == key * 10, "the newest is always there")
            }
            #expect(map.count >= capacity / 2)
        }
    }

    @Test("a key used in every half capacity of insertions is never dropped; one left unused is")
    func keepsTheUsed() {
        var map = RecentlyUsed<String, Int>(capacity: 8)
        map.insert(1, for: "kept")
        map.insert(2, for: "forgotten")
        for round in 0..<20 {
            for step in 0..<3 { map.insert(step, for: "filler \(round).\(step)") }
            #expect(map.value(for: "kept") == 1, "round \(round)")
        }
        #expect(map.value(for: "forgotten") == nil)
        #expect(map.value(for: "missing") == nil)
    }

    @Test("inserting a key again replaces its value and does not count it twice")
    func replaces() {
        var map = RecentlyUsed<String, Int>(capacity: 4)
        map.insert(1, for: "a")
        map.insert(2, for: "b")
        map.insert(3, for: "c")  // the newer table was full: a and b are now the older
        map.insert(4, for: "a")  // moves a out of the older
        #expect(map.count == 3)
        #expect(map.value(for: "a") == 4)
        #expect(map.value(for: "b") == 2)
        #expect(map.count == 3)
    }
}
