import COpenSSL

/// One entry of OpenSSL's (thread-local) error queue.
struct OpenSSLError: Sendable, Equatable {
    var library: Int32
    var reason: Int32
    var text: String
}

enum OpenSSLErrors {
    /// Empties the calling thread's error queue, oldest first. Call right after a failed
    /// OpenSSL call, before anything else can add to or clear the queue.
    static func drain() -> [OpenSSLError] {
        var errors: [OpenSSLError] = []
        while case let code = ERR_get_error(), code != 0 {
            let text = ERR_reason_error_string(code).map { String(cString: $0) } ?? "error \(code)"
            errors.append(OpenSSLError(library: swiftev_err_get_lib(code), reason: swiftev_err_get_reason(code), text: text))
        }
        return errors
    }
}

/// Turns what OpenSSL reports about a failed handshake or record into a `TLSError.Kind`: a
/// plain function of its inputs, so every mapping is tested without a connection.
enum TLSFailureClassifier {
    /// - Parameters:
    ///   - verifyResult: `SSL_get_verify_result` (X509_V_OK when verification did not fail).
    ///   - errors: the error queue after the failed call.
    ///   - expectedName: the name the certificate had to carry.
    ///   - handshaking: whether the handshake was still under way.
    static func kind(verifyResult: Int, errors: [OpenSSLError], expectedName: String?, handshaking: Bool) -> TLSError.Kind {
        let reasons = Set(errors.filter { $0.library == ERR_LIB_SSL }.map(\.reason))
        if reasons.contains(SSL_R_CERTIFICATE_VERIFY_FAILED) && verifyResult != Int(X509_V_OK) {
            return verificationKind(verifyResult, expectedName: expectedName)
        }
        let versionReasons: Set<Int32> = [SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_NO_PROTOCOLS_AVAILABLE,
                                          SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_R_WRONG_SSL_VERSION]
        if !reasons.isDisjoint(with: versionReasons) { return .protocolVersion }
        if reasons.contains(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED) || reasons.contains(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
            return .certificateRequired
        }
        let rejectedReasons: Set<Int32> = [SSL_R_TLSV1_ALERT_UNKNOWN_CA, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE,
                                           SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED, SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN,
                                           SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE, SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED]
        if !reasons.isDisjoint(with: rejectedReasons) { return .peerRejectedCertificate }
        let garbageReasons: Set<Int32> = [SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_RECORD_LENGTH_MISMATCH,
                                          SSL_R_UNEXPECTED_RECORD, SSL_R_UNEXPECTED_MESSAGE,
                                          SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST]
        if !reasons.isDisjoint(with: garbageReasons) || !handshaking { return .protocolError }
        return .handshakeFailed
    }

    static func verificationKind(_ result: Int, expectedName: String?) -> TLSError.Kind {
        switch Int32(result) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED:
            return .unknownCertificateAuthority
        case X509_V_ERR_CERT_HAS_EXPIRED: return .certificateExpired
        case X509_V_ERR_CERT_NOT_YET_VALID: return .certificateNotYetValid
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH: return .hostnameMismatch(expected: expectedName ?? "?")
        default: return .certificateRejected
        }
    }

    /// OpenSSL's words: the queue's reasons, then the verification result when it failed.
    static func reason(verifyResult: Int, errors: [OpenSSLError]) -> String {
        var parts = errors.map(\.text)
        if verifyResult != Int(X509_V_OK), let text = X509_verify_cert_error_string(verifyResult) {
            parts.append(String(cString: text))
        }
        return parts.joined(separator: ": ")
    }
}
