/// One entry of a `Server-Timing` header: `name;dur=` and the duration in milliseconds with
/// three decimals (`app;dur=1.234`).
public func serverTiming(_ name: String, _ duration: Duration) -> String {
    let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    let whole = microseconds / 1_000, fraction = microseconds % 1_000
    let padded = String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
    return "\(name);dur=\(whole).\(padded)"
}
