import ArgumentParser
import CacheServiceCore
import Dispatch
import Foundation
import Logging
import Metrics
import Prometheus

// The example cache service: an HTTP API over a Redis Cluster, on SwiftEV's loops.
//
//   REDIS_HOSTS=127.0.0.1:7000,127.0.0.1:7001 swift run -c release CacheService --listen 127.0.0.1:8080
//   curl -X PUT --data-binary 'hello' 'http://127.0.0.1:8080/v1/cache/greeting?ttl=60'
//
// Settings come from flags, then the environment (CACHE_LISTEN, REDIS_HOSTS, REDIS_USERNAME,
// REDIS_PASSWORD, CACHE_LOOPS, …: `--help` lists them). SIGTERM or SIGINT shuts down gracefully.
// TLS: REDIS_TLS=1 (+ REDIS_TLS_CA_FILE, …) towards the cluster; CACHE_TLS_CERT/_KEY for HTTPS.

@main
struct CacheServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CacheService",
        abstract: "An HTTP cache over a Redis Cluster: PUT/GET/DELETE /v1/cache/{key}, POST /v1/counters/{key}/incr, /healthz, /metrics.",
        discussion: "Every option can also be set by the environment variable in its help; the flag wins.")

    @Option(help: "Address to listen on, host:port [CACHE_LISTEN, default 127.0.0.1:8080]")
    var listen: String?
    @Option(help: "Cluster seed nodes, host:port,host:port [REDIS_HOSTS, default 127.0.0.1:7000]")
    var redisHosts: String?
    @Option(help: "ACL user name [REDIS_USERNAME]")
    var redisUsername: String?
    @Option(help: "Password (prefer the environment: flags show in ps) [REDIS_PASSWORD]")
    var redisPassword: String?
    @Option(help: "Event loops, each with a listener and a cluster client [CACHE_LOOPS, default: cores]")
    var loops: String?
    @Option(help: "Redis command timeout in ms, then 504 [CACHE_REDIS_TIMEOUT_MS, default 2000]")
    var redisTimeoutMs: String?
    @Option(help: "WAIT timeout in ms for ?wait=N [CACHE_WAIT_TIMEOUT_MS, default 1000]")
    var waitTimeoutMs: String?
    @Option(help: "Idle connection timeout in ms [CACHE_IDLE_TIMEOUT_MS, default 60000]")
    var idleTimeoutMs: String?
    @Option(help: "How long shutdown waits for requests in flight, ms [CACHE_SHUTDOWN_TIMEOUT_MS, default 10000]")
    var shutdownTimeoutMs: String?
    @Option(help: "Largest value in bytes, then 413 [CACHE_MAX_VALUE_BYTES, default 8388608]")
    var maxValueBytes: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical [CACHE_LOG_LEVEL, default info]")
    var logLevel: String?
    @Flag(help: "Reach the cluster over TLS [REDIS_TLS=1]")
    var redisTls = false
    @Option(help: "PEM file of the CAs that sign the nodes' certificates [REDIS_TLS_CA_FILE, default: system store]")
    var redisTlsCaFile: String?
    @Option(help: "Folder of hashed CA certificates [REDIS_TLS_CA_DIR]")
    var redisTlsCaDir: String?
    @Option(help: "Client certificate for nodes that require one [REDIS_TLS_CERT]")
    var redisTlsCert: String?
    @Option(help: "Private key of --redis-tls-cert [REDIS_TLS_KEY]")
    var redisTlsKey: String?
    @Option(help: "Name every node's certificate must carry [REDIS_TLS_SERVER_NAME, default: each node's advertised name]")
    var redisTlsServerName: String?
    @Option(help: "Dial advertised names at addresses: name=ip,*.domain=ip [REDIS_RESOLVE]")
    var redisResolve: String?
    @Option(help: "Serve HTTPS with this certificate (chain) [CACHE_TLS_CERT]")
    var tlsCert: String?
    @Option(help: "Private key of --tls-cert [CACHE_TLS_KEY]")
    var tlsKey: String?

    func run() async throws {
        var flags: [ServiceConfiguration.Setting: String] = [:]
        flags[.listen] = listen
        flags[.redisHosts] = redisHosts
        flags[.redisUsername] = redisUsername
        flags[.redisPassword] = redisPassword
        flags[.loops] = loops
        flags[.redisTimeout] = redisTimeoutMs
        flags[.waitTimeout] = waitTimeoutMs
        flags[.idleTimeout] = idleTimeoutMs
        flags[.shutdownTimeout] = shutdownTimeoutMs
        flags[.maxValueBytes] = maxValueBytes
        flags[.redisTLS] = redisTls ? "1" : nil
        flags[.redisTLSCAFile] = redisTlsCaFile
        flags[.redisTLSCADirectory] = redisTlsCaDir
        flags[.redisTLSCertificate] = redisTlsCert
        flags[.redisTLSKey] = redisTlsKey
        flags[.redisTLSServerName] = redisTlsServerName
        flags[.redisResolve] = redisResolve
        flags[.tlsCertificate] = tlsCert
        flags[.tlsKey] = tlsKey
        let environment = ProcessInfo.processInfo.environment
        let configuration: ServiceConfiguration
        let tls: ServiceTLSContexts
        do {
            configuration = try ServiceConfiguration(flags: flags, environment: environment)
            tls = try ServiceTLSContexts(configuration: configuration)
        } catch {
            throw ValidationError(error.description)
        }
        let levelText = logLevel ?? environment["CACHE_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ValidationError("bad setting CACHE_LOG_LEVEL (--log-level) \"\(levelText)\": expected trace, debug, info, notice, warning, error or critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "cache-service")

        // Signals are taken by dispatch sources, not a handler: the shutdown runs as a task.
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGTERM, SIGINT].map { signal -> any DispatchSourceSignal in
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { continuation.yield(signal) }
            source.resume()
            return source
        }
        let server = try await CacheServer.start(configuration: configuration, registry: registry, logger: logger, tls: tls)
        // The line scripts and tests wait for (with the port actually bound, for --listen …:0).
        print("listening on \(configuration.listen.host):\(server.port)")
        fflush(nil)
        for await signal in signals {
            logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT")")
            break
        }
        await server.shutdown()
        withExtendedLifetime(sources) {}
    }
}


