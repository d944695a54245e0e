// PGRST3xx: the bearer token cannot be trusted (PostgREST's `JwtError`).

extension RESTError {
    /// Why a bearer JWT was refused. The first group is PGRST301 (the token cannot be decoded or
    /// verified), the second PGRST303 (its claims are invalid).
    public enum JWTFailure: Sendable, Equatable {
        /// `Authorization: Bearer ` with nothing after it.
        case empty
        /// Not three dot-separated segments.
        case unexpectedParts(Int)
        /// `alg` is not the one the server verifies with.
        case unsupportedAlgorithm
        /// The signature does not verify.
        case badSignature
        /// `typ` is present and not a JWT.
        case unsupportedTokenType
        /// A segment is not valid base64url or JSON.
        case undecodable

        case expired
        case notYetValid
        case issuedInFuture
        case notInAudience
        /// The claims segment is not a JSON object.
        case unparsableClaims
        case expNotNumber
        /// No `exp` claim, while `VISIONARY_JWT_REQUIRE_EXP` is true (the default).
        case missingExpiry
        case nbfNotNumber
        case iatNotNumber
        case audNotStringOrArray
        /// The `role` claim names a role other than `anon`, `authenticated` or `service_role`.
        case roleNotAllowed
        /// The token's session has ended (sign-out, refresh-token reuse, a ban or a deletion).
        case sessionEnded

        var code: String {
            switch self {
            case .empty, .unexpectedParts, .unsupportedAlgorithm, .badSignature, .unsupportedTokenType, .undecodable,
                 .sessionEnded:
                "PGRST301"
            case .expired, .notYetValid, .issuedInFuture, .notInAudience, .unparsableClaims,
                 .expNotNumber, .missingExpiry, .nbfNotNumber, .iatNotNumber, .audNotStringOrArray, .roleNotAllowed:
                "PGRST303"
            }
        }

        var message: String {
            switch self {
            case .empty: "Empty JWT is sent in Authorization header"
            case .unexpectedParts(let count): "Expected 3 parts in JWT; got \(count)"
            case .unsupportedAlgorithm: "Wrong or unsupported encoding algorithm"
            case .badSignature: "JWT cryptographic operation failed"
            case .unsupportedTokenType: "Unsupported token type"
            case .undecodable: "JWT couldn't be decoded"
            case .expired: "JWT expired"
            case .notYetValid: "JWT not yet valid"
            case .issuedInFuture: "JWT issued at future"
            case .notInAudience: "JWT not in audience"
            case .unparsableClaims: "Parsing claims failed"
            case .expNotNumber: "The JWT 'exp' claim must be a number"
            case .missingExpiry: "The JWT has no 'exp' claim: tokens that never expire are refused (VISIONARY_JWT_REQUIRE_EXP)"
            case .nbfNotNumber: "The JWT 'nbf' claim must be a number"
            case .iatNotNumber: "The JWT 'iat' claim must be a number"
            case .audNotStringOrArray: "The JWT 'aud' claim must be a string or an array of strings"
            case .roleNotAllowed: "The JWT 'role' claim must be anon, authenticated or service_role"
            case .sessionEnded: "The JWT's session has ended"
            }
        }
    }

    /// PGRST301 / PGRST303 (401) with
    /// `WWW-Authenticate: Bearer error="invalid_token", error_description="<message>"`.
    public static func jwt(_ failure: JWTFailure) -> RESTError {
        let message = failure.message
        return RESTError(
            status: 401, code: failure.code, message: message,
            headers: [Header(name: "WWW-Authenticate",
                             value: "Bearer error=\"invalid_token\", error_description=" + quoted(message))])
    }

    /// An RFC 9110 quoted-string.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out + "\""
    }
}
