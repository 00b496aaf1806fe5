import SwiftEV

/// How a TLS stage authenticates its peer and itself. A value: build a `TLSContext` from it once
/// (that loads the files) and share the context between connections.
///
/// ```swift
/// var tls = TLSConfiguration.client
/// tls.trustRoots = .file("/etc/redis/ca.crt")                       // default: the system store
/// tls.certificateChainFile = "/etc/redis/client.crt"                  // mutual TLS
/// tls.privateKeyFile = "/etc/redis/client.key"
/// tls.serverName = "redis.example.com"    // SNI and verified name, whatever address is dialled
/// let context = try TLSContext(configuration: tls)
/// ```
public struct TLSConfiguration: Sendable {
    /// Where the certificates that vouch for a peer come from.
    public enum TrustRoots: Sendable, Equatable {
        /// OpenSSL's default locations (Debian: /etc/ssl/certs).
        case system
        /// A PEM file of one or more CA certificates.
        case file(String)
        /// A folder of hashed CA certificates (`openssl rehash`).
        case directory(String)
    }

    /// What is checked about the peer's certificate.
    public enum Verification: Sendable, Equatable {
        /// The chain leads to a trusted root, is in its validity period, and names the expected
        /// host (`serverName`, else the host connected to). The default.
        case full
        /// Chain and dates only: any name is accepted (a certificate shared by many hosts under
        /// names nobody checks).
        case noHostnameVerification
        /// Nothing is checked: anyone in the path can read and change the traffic. For tests
        /// against throwaway servers only; the name says so on purpose.
        case insecureNoVerification
    }

    public enum Version: Sendable, Comparable {
        case tls1_2
        case tls1_3
    }

    public enum Mode: Sendable, Equatable {
        case client
        /// Needs `certificateChainFile` and `privateKeyFile`. `requireClientCertificate`
        /// turns on mutual TLS.
        case server(requireClientCertificate: Bool)
    }

    public var mode: Mode
    public var trustRoots: TrustRoots = .system
    /// PEM: this side's certificate (leaf first, then intermediates). A server's identity, or a
    /// client's for mutual TLS.
    public var certificateChainFile: String?
    /// PEM private key of `certificateChainFile`.
    public var privateKeyFile: String?
    /// The oldest protocol version accepted. Default TLS 1.2 (older ones are broken).
    public var minimumVersion: Version = .tls1_2
    public var verification: Verification = .full
    /// Client: the name sent as SNI and verified in the server's certificate. Nil: the host
    /// the connection was opened to (callers that know better, like a cluster client reaching a
    /// node through a NAT map, pass the node's own name to the stage).
    public var serverName: String?
    /// How long the handshake may take once the connection is up. Default 10 s.
    public var handshakeTimeout: TimeAmount = .seconds(10)

    public init(mode: Mode) { self.mode = mode }

    /// A client with the defaults: system trust store, full verification, TLS 1.2 or newer.
    public static var client: TLSConfiguration { TLSConfiguration(mode: .client) }

    /// A server presenting `certificateChainFile`/`privateKeyFile`.
    public static func server(certificateChainFile: String, privateKeyFile: String,
                              requireClientCertificate: Bool = false) -> TLSConfiguration {
        var configuration = TLSConfiguration(mode: .server(requireClientCertificate: requireClientCertificate))
        configuration.certificateChainFile = certificateChainFile
        configuration.privateKeyFile = privateKeyFile
        return configuration
    }
}
