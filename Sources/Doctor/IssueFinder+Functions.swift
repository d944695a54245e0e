/// Rules on functions: definers pin their search_path, and PUBLIC executes nothing.
extension IssueFinder {
    func functionFindings() -> [Finding] {
        var findings: [Finding] = []
        for function in facts.functions {
            if function.isSecurityDefiner && !function.fixesSearchPath {
                findings.append(Finding(
                    rule: .definerSearchPath, schema: function.schema, location: function.signature,
                    detail: function.settings.isEmpty ? "no SET search_path" : "sets \(function.settings.joined(separator: ", ")) only"))
            }
            if function.publicExecute {
                let severity: Severity = function.isSecurityDefiner ? .high : function.returnsTrigger ? .low : .medium
                let kind = function.isSecurityDefiner ? "SECURITY DEFINER function" : function.returnsTrigger ? "trigger function" : "function"
                findings.append(Finding(
                    rule: .publicExecute, severity: severity, schema: function.schema, location: function.signature,
                    detail: "\(kind) executable by PUBLIC" + (schemas.isExposed(function.schema) && !function.returnsTrigger ? ", callable over RPC" : "")))
            }
        }
        return findings
    }
}
