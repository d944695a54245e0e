extension Payload {
    /// What a body must be.
    enum Expectation {
        /// Writes: an object, or an array of objects.
        case rows
        /// `POST /rpc/{fn}`: an object of named arguments; an empty body is `{}`.
        case arguments
    }

    /// The deepest nesting of arrays and objects a body may have: far past any real document,
    /// well short of what would exhaust the database's stack while it reads the body.
    public static let maxDepth = 256

    /// Checks a request body (docs/wire-compatibility.md, sections Writes and RPC) and collects the
    /// keys it sets. Failures are PGRST102.
    static func parse(_ body: [UInt8]?, expecting expectation: Expectation) -> Result<Payload, RESTQueryError> {
        let bytes = body ?? []
        let isBlank = bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if isBlank, expectation == .arguments {
            return .success(Payload(json: "{}", shape: .object, keys: []))
        }
        guard !isBlank, let text = String(validating: bytes, as: UTF8.self),
              let inspection = JSONInspector.inspect(bytes)
        else {
            return .failure(RESTQueryError(.body, "Empty or invalid json"))
        }
        guard inspection.depth <= maxDepth else {
            return .failure(RESTQueryError(
                .body, "The JSON body is nested too deeply",
                details: "Arrays and objects may be nested at most \(maxDepth) levels deep."))
        }
        switch (inspection.topLevel, expectation) {
        case (.object, _):
            return .success(Payload(json: text, shape: .object, keys: inspection.keys))
        case (.array(allObjects: true), .rows):
            return .success(Payload(json: text, shape: .array, keys: inspection.keys))
        case (.array(allObjects: false), .rows):
            return .failure(RESTQueryError(
                .body, "All elements of the JSON array must be objects",
                details: "A write takes an object, or an array of objects."))
        case (.scalar, .rows):
            return .failure(RESTQueryError(
                .body, "The JSON body must be an object or an array of objects",
                details: "A write takes an object, or an array of objects."))
        case (.array, .arguments), (.scalar, .arguments):
            return .failure(RESTQueryError(
                .body, "The JSON body must be an object of named arguments",
                details: "A function call takes its arguments as one JSON object ({} when there are none)."))
        }
    }
}
