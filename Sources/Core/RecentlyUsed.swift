/// A map that holds at most `capacity` entries and keeps the recently used ones: a cheap stand-in
/// for a least-recently-used cache, with no list to maintain on each hit.
///
/// Entries live in two tables. New entries go into the newer; an entry found in the older moves
/// into the newer. When the newer is full, the older is dropped and the newer becomes the older.
/// An entry used at least once in every `capacity / 2` insertions is therefore never dropped, and
/// what is dropped is what went unused longest, give or take half the capacity.
public struct RecentlyUsed<Key: Hashable, Value> {
    public let capacity: Int
    private var newer: [Key: Value] = [:]
    private var older: [Key: Value] = [:]

    /// - Parameter capacity: the most entries held (at least 2).
    public init(capacity: Int) {
        self.capacity = max(capacity, 2)
    }

    /// Entries held now.
    public var count: Int { newer.count + older.count }

    /// The value under `key`, now counted as recently used.
    public mutating func value(for key: Key) -> Value? {
        if let found = newer[key] { return found }
        guard let found = older.removeValue(forKey: key) else { return nil }
        insert(found, for: key)
        return found
    }

    /// Puts `value` under `key`, replacing any value there.
    public mutating func insert(_ value: Value, for key: Key) {
        if newer[key] == nil {
            older[key] = nil
            if newer.count >= capacity / 2 {
                older = newer
                newer = [:]
            }
        }
        newer[key] = value
    }
}

extension RecentlyUsed: Sendable where Key: Sendable, Value: Sendable {}
