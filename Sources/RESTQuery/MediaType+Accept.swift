extension MediaType {
    /// Negotiates the `Accept` header values (docs/wire-compatibility.md, Media types, statuses
    /// and headers): the entries in order of their q-value (ties keep their order, `q=0`
    /// refuses), and the first this server produces wins. No header, or an empty one, is JSON.
    /// `application/openapi+json` counts as JSON when `describing` the schema (`GET /`).
    init(acceptValues: [String], describing: Bool = false) {
        let written = acceptValues.map(GrammarScanner.trimmed).filter { !$0.isEmpty }
        guard !written.isEmpty else {
            self = .json
            return
        }
        var entries: [(type: String, parameters: [String: String], quality: Double)] = []
        for value in written {
            for range in value.split(separator: ",") {
                var parts = range.split(separator: ";", omittingEmptySubsequences: false).map { GrammarScanner.trimmed(String($0)) }
                let type = parts.removeFirst().lowercased()
                guard !type.isEmpty else { continue }
                var parameters: [String: String] = [:]
                for part in parts {
                    guard let equals = part.firstIndex(of: "=") else { continue }
                    let name = GrammarScanner.trimmed(String(part[..<equals])).lowercased()
                    var parameter = GrammarScanner.trimmed(String(part[part.index(after: equals)...]))
                    if parameter.count >= 2, parameter.hasPrefix("\""), parameter.hasSuffix("\"") {
                        parameter = String(parameter.dropFirst().dropLast())
                    }
                    if parameters[name] == nil { parameters[name] = parameter }
                }
                let quality = parameters["q"].flatMap(Double.init).map { min(max($0, 0), 1) } ?? 1
                entries.append((type, parameters, quality))
            }
        }
        let ranked = entries.enumerated()
            .filter { $0.element.quality > 0 }
            .sorted { $0.element.quality != $1.element.quality ? $0.element.quality > $1.element.quality : $0.offset < $1.offset }
        for (_, entry) in ranked {
            let stripped = entry.parameters["nulls"] == "stripped"
            switch entry.type {
            case "*/*", "application/json":
                self = .json
            case "application/vnd.pgrst.object+json", "application/vnd.pgrst.object":
                self = stripped ? .jsonStrippedNulls(single: true) : .singleObject
            case "application/vnd.pgrst.array+json", "application/vnd.pgrst.array":
                self = stripped ? .jsonStrippedNulls(single: false) : .json
            case "text/csv":
                self = .csv
            case "application/openapi+json" where describing:
                self = .json
            case "application/vnd.pgrst.plan", "application/vnd.pgrst.plan+text", "application/vnd.pgrst.plan+json":
                guard let plan = Self.plan(entry.type, entry.parameters, written: written.joined(separator: ", ")) else { continue }
                self = .plan(plan)
            default:
                continue
            }
            return
        }
        self = .unsupported(written.joined(separator: ", "))
    }

    /// A plan request from its media type and parameters; nil for a `for` this server does not
    /// produce, or an option EXPLAIN lacks.
    static func plan(_ type: String, _ parameters: [String: String], written: String) -> PlanRequest? {
        let targetName = parameters["for"]?.lowercased() ?? "application/json"
        let target = MediaType(acceptValues: [targetName])
        switch target {
        case .unsupported, .plan: return nil
        default: break
        }
        var options: [String] = []
        if let listed = parameters["options"] {
            let names = listed.lowercased().split(separator: "|").map { GrammarScanner.trimmed(String($0)) }
            guard names.allSatisfy(PlanRequest.allowedOptions.contains) else { return nil }
            options = PlanRequest.allowedOptions.filter(names.contains)
        }
        return PlanRequest(format: type.hasSuffix("+json") ? .json : .text, target: target, targetName: targetName, options: options, written: written)
    }
}
