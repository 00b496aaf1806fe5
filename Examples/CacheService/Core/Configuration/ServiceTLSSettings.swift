import Glibc
import SwiftEV

/// TLS towards the cluster (`REDIS_TLS=1` and its files) and for the service's own listener
/// (`CACHE_TLS_CERT` + `CACHE_TLS_KEY`: HTTPS). Parsed with the other settings; the files
/// are checked to exist here and loaded by `ServiceTLSContexts` at start-up.
///
/// ```sh
/// REDIS_TLS=1 REDIS_TLS_CA_FILE=/etc/redis/ca.crt REDIS_HOSTS=127.0.0.1:6380 \
///   CACHE_TLS_CERT=/etc/cache/cert.pem CACHE_TLS_KEY=/etc/cache/key.pem CacheService
/// ```
public struct ServiceTLSSettings: Equatable, Sendable {
    /// How the service reaches the cluster over TLS.
    public struct Redis: Equatable, Sendable {
        /// A PEM file of CA certificates; nil with `caDirectory` nil: the system store.
        public var caFile: String?
        /// A folder of hashed CA certificates (`openssl rehash`).
        public var caDirectory: String?
        /// Client certificate and key, for servers that require one (`tls-auth-clients yes`).
        public var certificateFile: String?
        public var keyFile: String?
        /// The name every node's certificate must carry, whatever address is dialled (one
        /// certificate shared by all nodes). Nil: each node's advertised host name, or the
        /// seed's address.
        public var serverName: String?
    }

    /// The certificate (chain) and key the service presents on HTTPS.
    public struct HTTPS: Equatable, Sendable {
        public var certificateFile: String
        public var keyFile: String
    }

    /// Nil: plaintext to the cluster.
    public var redis: Redis?
    /// Nil: plain HTTP.
    public var https: HTTPS?
    /// `REDIS_RESOLVE`: advertised host names dialled at another address, like curl's
    /// `--resolve` (the certificate is still verified against the name). A name starting with
    /// `*.` covers every name under it. The nodes of a cluster that announces host names no
    /// resolver knows (NAT, containers, the test cluster's `*.tls.swiftev.invalid`) are
    /// reached through it.
    public var resolve: [Resolution] = []

    public struct Resolution: Equatable, Sendable {
        /// `node-1.example` or `*.example`.
        public var name: String
        public var address: String

        func matches(_ host: String) -> Bool {
            guard name.hasPrefix("*.") else { return host == name }
            return host.hasSuffix(name.dropFirst()) && host.count > name.count - 1
        }
    }

    public init() {}

    /// The address `REDIS_RESOLVE` gives for `host`, nil when no entry matches (first match wins).
    public func address(for host: String) -> String? {
        resolve.first { $0.matches(host) }?.address
    }
}

extension ServiceConfiguration {
    /// Reads the TLS settings; called by `init(flags:environment:)` after the others.
    mutating func readTLSSettings(_ text: (Setting) -> String?) throws(ConfigurationError) {
        func file(_ setting: Setting, directory: Bool = false) throws(ConfigurationError) -> String? {
            guard let path = text(setting), !path.isEmpty else { return nil }
            if let problem = Self.fileProblem(path, directory: directory) {
                throw ConfigurationError(setting: setting, value: path, expected: problem)
            }
            return path
        }
        func pair(_ certificate: Setting, _ key: Setting) throws(ConfigurationError) -> (String, String)? {
            switch (try file(certificate), try file(key)) {
            case (nil, nil): return nil
            case (let c?, let k?): return (c, k)
            case (nil, _): throw ConfigurationError(setting: certificate, value: "", expected: "a certificate file: \(key.environmentVariable) is set without one")
            case (_, nil): throw ConfigurationError(setting: key, value: "", expected: "a private key file: \(certificate.environmentVariable) is set without one")
            }
        }

        var enabled = false
        if let value = text(.redisTLS) {
            switch Substring(value).trimmingWhitespace.lowercased() {
            case "1", "true", "yes", "on": enabled = true
            case "0", "false", "no", "off", "": enabled = false
            default: throw ConfigurationError(setting: .redisTLS, value: value, expected: "1 or 0 (true/false, yes/no, on/off)")
            }
        }
        var redis = ServiceTLSSettings.Redis()
        redis.caFile = try file(.redisTLSCAFile)
        redis.caDirectory = try file(.redisTLSCADirectory, directory: true)
        if let identity = try pair(.redisTLSCertificate, .redisTLSKey) { (redis.certificateFile, redis.keyFile) = identity }
        if let name = text(.redisTLSServerName), !name.isEmpty {
            guard !name.contains(where: \.isWhitespace) else {
                throw ConfigurationError(setting: .redisTLSServerName, value: name, expected: "a host name or address without spaces")
            }
            redis.serverName = name
        }
        if redis.caFile != nil, let directory = redis.caDirectory {
            throw ConfigurationError(setting: .redisTLSCADirectory, value: directory,
                                     expected: "one source of CA certificates: \(Setting.redisTLSCAFile.environmentVariable) is set too")
        }
        if enabled {
            tls.redis = redis
        } else if let unused = [Setting.redisTLSCAFile, .redisTLSCADirectory, .redisTLSCertificate, .redisTLSKey, .redisTLSServerName]
            .first(where: { !(text($0) ?? "").isEmpty }) {
            // Silently talking plaintext to a cluster someone configured CA files for would be worse.
            throw ConfigurationError(setting: unused, value: text(unused) ?? "", expected: "\(Setting.redisTLS.environmentVariable)=1 (\(Setting.redisTLS.flag)) with it")
        }
        if let identity = try pair(.tlsCertificate, .tlsKey) {
            tls.https = ServiceTLSSettings.HTTPS(certificateFile: identity.0, keyFile: identity.1)
        }
        if let value = text(.redisResolve), !Substring(value).trimmingWhitespace.isEmpty {
            for entry in value.split(separator: ",") {
                let parts = entry.trimmingWhitespace.split(separator: "=", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[0].contains(":"),
                      (try? SocketAddress(ip: String(parts[1]), port: 0)) != nil else {
                    throw ConfigurationError(setting: .redisResolve, value: value,
                                             expected: "name=address entries separated by commas (*.domain=address for every name under it); \"\(entry.trimmingWhitespace)\" is not one")
                }
                tls.resolve.append(.init(name: String(parts[0]), address: String(parts[1])))
            }
        }
    }

    /// Why `path` cannot be used as a readable file (or folder), nil when it can.
    static func fileProblem(_ path: String, directory: Bool) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "an existing \(directory ? "folder" : "file"): \(String(cString: strerror(errno)))"
        }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        if isDirectory != directory { return directory ? "a folder, not a file" : "a file, not a folder" }
        guard access(path, R_OK) == 0 else { return "a readable \(directory ? "folder" : "file"): \(String(cString: strerror(errno)))" }
        return nil
    }
}
