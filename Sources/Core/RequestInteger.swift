/// Integers a client sends — a `Range` header, `limit`, `offset`, `page`, `expiresIn`, sizes —
/// read without a trap and checked against the range the server accepts, before any arithmetic
/// touches them. Every surface reads request integers through here, so a value out of range is
/// that surface's 4xx, never an overflow that ends the process.
public enum RequestInteger {
    /// The largest row number, count or offset any surface accepts: 2^53 − 1, the largest integer
    /// a JSON number (an IEEE double, as JavaScript clients send it) holds exactly. Sums and
    /// differences of two such values, plus one, stay far inside `Int`.
    public static let maxCount = 9_007_199_254_740_991

    /// Decimal digits (an optional leading `-` or `+`, nothing else) as an integer in `range`;
    /// nil for anything else, however long.
    public static func parse(_ text: some StringProtocol, in range: ClosedRange<Int>) -> Int? {
        guard let number = Int(text), range.contains(number) else { return nil }
        return number
    }

    /// A JSON number that is a whole number in `range`; nil for fractions, NaN, infinities and
    /// anything out of range.
    public static func exact(_ number: Double, in range: ClosedRange<Int>) -> Int? {
        guard let whole = Int(exactly: number), range.contains(whole) else { return nil }
        return whole
    }
}
