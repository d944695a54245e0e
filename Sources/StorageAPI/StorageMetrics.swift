import Metrics

/// Storage's counters (`/metrics` when the server runs with a metrics backend; no-ops otherwise).
enum StorageMetrics {
    /// `visionary_storage_bytes_total{direction}`: bytes of objects stored (`in`) and of object
    /// bytes sent to clients (`out`).
    static func bytes(_ direction: String, _ count: some BinaryInteger) {
        guard count > 0 else { return }
        Counter(label: "visionary_storage_bytes_total", dimensions: [("direction", direction)]).increment(by: Int64(clamping: count))
    }
}
