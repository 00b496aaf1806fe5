import SwiftEV

/// A TLS failure, naming the peer, the cause as a value to switch on, and OpenSSL's own words.
///
/// ```swift
/// do { _ = try await RedisConnection.connect(host: "127.0.0.1", port: 6380, configuration: config, on: loop) }
/// catch let error as TLSError where error.kind == .certificateExpired {
///     print("renew the certificate of \(error.peer): \(error.reason)")
/// }
/// ```
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The peer's chain does not lead to a trusted root (wrong CA, self-signed).
        case unknownCertificateAuthority
        /// The peer's certificate (or one in its chain) has expired.
        case certificateExpired
        /// The peer's certificate is not valid yet.
        case certificateNotYetValid
        /// The peer's certificate does not name `expected`.
        case hostnameMismatch(expected: String)
        /// Another verification failure of the peer's certificate (see `reason`).
        case certificateRejected
        /// No protocol version both sides accept (e.g. a TLS 1.1-only server).
        case protocolVersion
        /// The peer requires a client certificate and none (or no acceptable one) was sent.
        case certificateRequired
        /// The peer refused this side's certificate (its alert is in `reason`).
        case peerRejectedCertificate
        /// The handshake did not finish in time.
        case handshakeTimeout(TimeAmount)
        /// The connection closed before the handshake finished.
        case closedDuringHandshake
        /// The peer sent something that is not TLS, or broke the protocol.
        case protocolError
        /// Another handshake failure (see `reason`).
        case handshakeFailed
        /// The configuration could not be loaded (a missing file, a key that does not match).
        case configuration
    }

    public let kind: Kind
    /// `host:port` of the peer, as the stage was told (empty for a configuration error).
    public let peer: String
    /// OpenSSL's description of the failure.
    public let reason: String

    public init(_ kind: Kind, peer: String, reason: String) {
        self.kind = kind
        self.peer = peer
        self.reason = reason
    }

    /// Whether the same peer and configuration will fail the same way again (a certificate, a
    /// name, a version): retrying at once cannot help. Timeouts, closes and garbage may pass.
    public var isPersistent: Bool {
        switch kind {
        case .unknownCertificateAuthority, .certificateExpired, .certificateNotYetValid, .hostnameMismatch,
             .certificateRejected, .protocolVersion, .certificateRequired, .peerRejectedCertificate, .configuration:
            return true
        case .handshakeTimeout, .closedDuringHandshake, .protocolError, .handshakeFailed:
            return false
        }
    }

    public var description: String {
        let what: String
        switch kind {
        case .unknownCertificateAuthority: what = "certificate signed by an unknown authority"
        case .certificateExpired: what = "certificate expired"
        case .certificateNotYetValid: what = "certificate not yet valid"
        case .hostnameMismatch(let expected): what = "certificate does not name \(expected)"
        case .certificateRejected: what = "certificate rejected"
        case .protocolVersion: what = "no common TLS version"
        case .certificateRequired: what = "peer requires a client certificate"
        case .peerRejectedCertificate: what = "peer rejected our certificate"
        case .handshakeTimeout(let timeout): what = "handshake timed out after \(timeout)"
        case .closedDuringHandshake: what = "connection closed during the handshake"
        case .protocolError: what = "TLS protocol error"
        case .handshakeFailed: what = "handshake failed"
        case .configuration: what = "TLS configuration error"
        }
        let place = peer.isEmpty ? "" : " (\(peer))"
        return reason.isEmpty ? "TLS: \(what)\(place)" : "TLS: \(what)\(place): \(reason)"
    }
}
