/// One entry of a `Server-Timing` header: `name;dur=` and the duration in milliseconds with
/// three decimals (`app;dur=1.234`).
public func serverTiming(_ name: String, _ duration: Duration) -> String {
    let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    let whole = microseconds / 1_000, fraction = microseconds % 1_000
    var text = name
    text.reserveCapacity(name.utf8.count + 16)
    text += ";dur="
    text += String(whole)
    text += fraction < 10 ? ".00" : fraction < 100 ? ".0" : "."
    text += String(fraction)
    return text
}
