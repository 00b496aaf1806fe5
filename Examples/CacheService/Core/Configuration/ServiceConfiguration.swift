import SwiftEV

/// Everything the service needs to start, from flags first and the environment second.
/// A bad setting stops start-up with a `ConfigurationError` naming the flag and the variable.
///
/// ```swift
/// let config = try ServiceConfiguration(flags: [:], environment: ["REDIS_HOSTS": "127.0.0.1:7000,127.0.0.1:7001"])
/// config.listen        // 127.0.0.1:8080
/// config.redisHosts    // [127.0.0.1:7000, 127.0.0.1:7001]
/// ```
public struct ServiceConfiguration: Sendable {
    /// One setting: its flag, its environment variable and its default (as text).
    public enum Setting: String, CaseIterable, Sendable {
        case listen, redisHosts, redisUsername, redisPassword, loops
        case redisTimeout, waitTimeout, idleTimeout, shutdownTimeout, maxValueBytes
        // TLS (ServiceTLSSettings): towards the cluster, and HTTPS for the listener.
        case redisTLS, redisTLSCAFile, redisTLSCADirectory, redisTLSCertificate, redisTLSKey, redisTLSServerName, redisResolve
        case tlsCertificate, tlsKey

        public var flag: String {
            switch self {
            case .listen: return "--listen"
            case .redisHosts: return "--redis-hosts"
            case .redisUsername: return "--redis-username"
            case .redisPassword: return "--redis-password"
            case .loops: return "--loops"
            case .redisTimeout: return "--redis-timeout-ms"
            case .waitTimeout: return "--wait-timeout-ms"
            case .idleTimeout: return "--idle-timeout-ms"
            case .shutdownTimeout: return "--shutdown-timeout-ms"
            case .maxValueBytes: return "--max-value-bytes"
            case .redisTLS: return "--redis-tls"
            case .redisTLSCAFile: return "--redis-tls-ca-file"
            case .redisTLSCADirectory: return "--redis-tls-ca-dir"
            case .redisTLSCertificate: return "--redis-tls-cert"
            case .redisTLSKey: return "--redis-tls-key"
            case .redisTLSServerName: return "--redis-tls-server-name"
            case .redisResolve: return "--redis-resolve"
            case .tlsCertificate: return "--tls-cert"
            case .tlsKey: return "--tls-key"
            }
        }

        public var environmentVariable: String {
            switch self {
            case .listen: return "CACHE_LISTEN"
            case .redisHosts: return "REDIS_HOSTS"
            case .redisUsername: return "REDIS_USERNAME"
            case .redisPassword: return "REDIS_PASSWORD"
            case .loops: return "CACHE_LOOPS"
            case .redisTimeout: return "CACHE_REDIS_TIMEOUT_MS"
            case .waitTimeout: return "CACHE_WAIT_TIMEOUT_MS"
            case .idleTimeout: return "CACHE_IDLE_TIMEOUT_MS"
            case .shutdownTimeout: return "CACHE_SHUTDOWN_TIMEOUT_MS"
            case .maxValueBytes: return "CACHE_MAX_VALUE_BYTES"
            case .redisTLS: return "REDIS_TLS"
            case .redisTLSCAFile: return "REDIS_TLS_CA_FILE"
            case .redisTLSCADirectory: return "REDIS_TLS_CA_DIR"
            case .redisTLSCertificate: return "REDIS_TLS_CERT"
            case .redisTLSKey: return "REDIS_TLS_KEY"
            case .redisTLSServerName: return "REDIS_TLS_SERVER_NAME"
            case .redisResolve: return "REDIS_RESOLVE"
            case .tlsCertificate: return "CACHE_TLS_CERT"
            case .tlsKey: return "CACHE_TLS_KEY"
            }
        }
    }

    public var listen = HostPort(host: "127.0.0.1", port: 8080)
    public var redisHosts = [HostPort(host: "127.0.0.1", port: 7000)]
    public var redisUsername: String?
    public var redisPassword: String?
    /// Event loops, each with its own listener and cluster client. Default: one per core.
    public var loops = LibevEventLoopGroup.coreCount
    /// From a command's submission to its reply, redirects included (then 504).
    public var redisTimeout = TimeAmount.seconds(2)
    /// `WAIT`'s own timeout for `?wait=N`.
    public var waitTimeout = TimeAmount.seconds(1)
    /// A connection with no complete request for this long is closed.
    public var idleTimeout = TimeAmount.seconds(60)
    /// How long SIGTERM waits for requests in flight before closing anyway.
    public var shutdownTimeout = TimeAmount.seconds(10)
    /// Largest `PUT` body (413 beyond). Default 8 MiB.
    public var maxValueBytes = 8 << 20
    /// TLS to the cluster, HTTPS, and `REDIS_RESOLVE` (see `ServiceTLSSettings`). Default: none.
    public var tls = ServiceTLSSettings()

    public init() {}

    /// `flags` holds the text of the flags given on the command line (keyed by setting);
    /// settings without a flag come from `environment`, then the default.
    public init(flags: [Setting: String], environment: [String: String]) throws(ConfigurationError) {
        func text(_ setting: Setting) -> String? { flags[setting] ?? environment[setting.environmentVariable] }
        func fail(_ setting: Setting, _ value: String, _ expected: String) -> ConfigurationError {
            ConfigurationError(setting: setting, value: setting == .redisPassword ? "…" : value, expected: expected)
        }
        func milliseconds(_ setting: Setting, _ range: ClosedRange<Int64>) throws(ConfigurationError) -> TimeAmount? {
            guard let value = text(setting) else { return nil }
            guard let ms = Int64(value.trimmingCharacters), range.contains(ms) else {
                throw fail(setting, value, "milliseconds from \(range.lowerBound) to \(range.upperBound)")
            }
            return .milliseconds(ms)
        }

        if let value = text(.listen) {
            guard let address = HostPort(Substring(value), allowZero: true) else {
                throw fail(.listen, value, "an IP address and port, like 127.0.0.1:8080 or [::1]:8080")
            }
            listen = address
        }
        if let value = text(.redisHosts) {
            let entries = value.split(separator: ",", omittingEmptySubsequences: false)
            var hosts: [HostPort] = []
            for entry in entries {
                guard let host = HostPort(entry) else {
                    throw fail(.redisHosts, value, "host:port entries separated by commas; \"\(entry.trimmingWhitespace)\" is not one")
                }
                hosts.append(host)
            }
            redisHosts = hosts
        }
        if let value = text(.redisUsername), !value.isEmpty { redisUsername = value }
        if let value = text(.redisPassword), !value.isEmpty { redisPassword = value }
        if let value = text(.loops) {
            guard let count = Int(value.trimmingCharacters), (1...256).contains(count) else {
                throw fail(.loops, value, "a loop count from 1 to 256")
            }
            loops = count
        }
        if let value = try milliseconds(.redisTimeout, 1...600_000) { redisTimeout = value }
        if let value = try milliseconds(.waitTimeout, 1...600_000) { waitTimeout = value }
        if let value = try milliseconds(.idleTimeout, 1...3_600_000) { idleTimeout = value }
        if let value = try milliseconds(.shutdownTimeout, 0...600_000) { shutdownTimeout = value }
        if let value = text(.maxValueBytes) {
            // Redis' own proto-max-bulk-len default is 512 MB.
            guard let bytes = Int(value.trimmingCharacters), (1...(512 << 20)).contains(bytes) else {
                throw fail(.maxValueBytes, value, "a byte count from 1 to \(512 << 20)")
            }
            maxValueBytes = bytes
        }
        if redisUsername != nil, redisPassword == nil {
            throw ConfigurationError(setting: .redisPassword, value: "", expected: "a password: \(Setting.redisUsername.environmentVariable) is set without one")
        }
        try readTLSSettings(text)
    }
}

/// A setting that stops start-up, naming its flag and environment variable.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var setting: ServiceConfiguration.Setting
    public var value: String
    public var expected: String

    public var description: String {
        "bad setting \(setting.environmentVariable) (\(setting.flag)) \"\(value)\": expected \(expected)"
    }
}

extension String {
    fileprivate var trimmingCharacters: Substring { Substring(self).trimmingWhitespace }
}
