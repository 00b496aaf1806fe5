import COpenSSL

/// A loaded `TLSConfiguration`: trust roots, certificate and key read once, shared by every
/// connection made with it (loading a CA bundle per connection would cost milliseconds).
///
/// ```swift
/// let context = try TLSContext(configuration: .client)
/// let stage = TLSStage(client: context, serverName: "redis.example.com", peer: "127.0.0.1:6380")
/// ```
///
/// `@unchecked Sendable`: the `SSL_CTX` is set up completely in `init` and only read afterwards
/// (`SSL_new` takes its own reference; OpenSSL locks the shared parts), so threads may share it.
public final class TLSContext: @unchecked Sendable {
    public let configuration: TLSConfiguration
    let context: OpaquePointer

    public init(configuration: TLSConfiguration) throws(TLSError) {
        self.configuration = configuration
        let isServer = configuration.mode != .client
        guard let context = SSL_CTX_new(isServer ? TLS_server_method() : TLS_client_method()) else {
            throw TLSContext.configurationError("SSL_CTX_new failed")
        }
        self.context = context
        swiftev_ssl_ctx_harden(context)
        let minimum = configuration.minimumVersion == .tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION
        guard swiftev_ssl_ctx_set_min_proto_version(context, minimum) == 1 else {
            throw TLSContext.configurationError("cannot set the minimum version")
        }
        try loadTrustRoots()
        try loadIdentity()
        switch configuration.mode {
        case .client:
            let verify = configuration.verification == .insecureNoVerification ? SSL_VERIFY_NONE : SSL_VERIFY_PEER
            SSL_CTX_set_verify(context, verify, nil)
        case .server(let requireClientCertificate):
            guard configuration.certificateChainFile != nil else {
                throw TLSContext.configurationError("a server needs certificateChainFile and privateKeyFile")
            }
            let verify = requireClientCertificate ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_NONE
            SSL_CTX_set_verify(context, verify, nil)
        }
    }

    deinit { SSL_CTX_free(context) }

    private func loadTrustRoots() throws(TLSError) {
        let loaded: Int32
        switch configuration.trustRoots {
        case .system: loaded = SSL_CTX_set_default_verify_paths(context)
        case .file(let path): loaded = SSL_CTX_load_verify_locations(context, path, nil)
        case .directory(let path): loaded = SSL_CTX_load_verify_locations(context, nil, path)
        }
        guard loaded == 1 else { throw TLSContext.configurationError("cannot load trust roots \(configuration.trustRoots)") }
    }

    private func loadIdentity() throws(TLSError) {
        switch (configuration.certificateChainFile, configuration.privateKeyFile) {
        case (nil, nil):
            return
        case (let chain?, let key?):
            guard SSL_CTX_use_certificate_chain_file(context, chain) == 1 else {
                throw TLSContext.configurationError("cannot load certificate chain \(chain)")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw TLSContext.configurationError("cannot load private key \(key)")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw TLSContext.configurationError("private key \(key) does not match certificate \(chain)")
            }
        default:
            throw TLSContext.configurationError("certificateChainFile and privateKeyFile go together")
        }
    }

    /// A configuration error carrying whatever OpenSSL queued about it.
    static func configurationError(_ what: String) -> TLSError {
        let details = OpenSSLErrors.drain().map(\.text).joined(separator: "; ")
        return TLSError(.configuration, peer: "", reason: details.isEmpty ? what : "\(what): \(details)")
    }
}
