import SwiftEVTLS

/// The TLS settings loaded: OpenSSL has read and checked every file once, at start-up, so a
/// certificate that is not PEM or a key that does not match stops the service with the setting
/// named, not the first connection.
///
/// ```swift
/// let tls = try ServiceTLSContexts(configuration: config)   // throws ConfigurationError
/// let server = try await CacheServer.start(configuration: config, registry: registry, logger: logger, tls: tls)
/// ```
public struct ServiceTLSContexts: Sendable {
    /// Client side towards the cluster; nil: plaintext.
    public let redis: TLSContext?
    /// Server side of the listener; nil: plain HTTP.
    public let https: TLSContext?

    public init(configuration: ServiceConfiguration) throws(ConfigurationError) {
        let settings = configuration.tls
        if let redis = settings.redis {
            var client = TLSConfiguration.client
            if let file = redis.caFile { client.trustRoots = .file(file) }
            if let directory = redis.caDirectory { client.trustRoots = .directory(directory) }
            client.serverName = redis.serverName
            // The trust roots alone first, so that a bad CA is blamed on its own setting.
            let caSetting: ServiceConfiguration.Setting = redis.caDirectory != nil ? .redisTLSCADirectory : .redisTLSCAFile
            _ = try Self.load(client, blaming: caSetting, value: redis.caDirectory ?? redis.caFile ?? "(system store)")
            client.certificateChainFile = redis.certificateFile
            client.privateKeyFile = redis.keyFile
            self.redis = try Self.load(client, blaming: .redisTLSCertificate, value: redis.certificateFile ?? "")
        } else {
            self.redis = nil
        }
        if let https = settings.https {
            let server = TLSConfiguration.server(certificateChainFile: https.certificateFile, privateKeyFile: https.keyFile)
            self.https = try Self.load(server, blaming: .tlsCertificate, value: https.certificateFile)
        } else {
            self.https = nil
        }
    }

    /// OpenSSL's reason names the file and what is wrong with it (not PEM, key mismatch).
    private static func load(_ configuration: TLSConfiguration, blaming setting: ServiceConfiguration.Setting,
                             value: String) throws(ConfigurationError) -> TLSContext {
        do {
            return try TLSContext(configuration: configuration)
        } catch {
            throw ConfigurationError(setting: setting, value: value, expected: "files OpenSSL can load (\(error.reason))")
        }
    }
}
