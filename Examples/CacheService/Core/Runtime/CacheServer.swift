import Logging
import Metrics
import Prometheus
import RedisCluster
import SwiftEV
import SwiftEVHTTP
import SwiftEVTLS

/// The running service: on every loop of a group, one HTTP listener (all on the same port,
/// `SO_REUSEPORT`) and one cluster client, so each connection is accepted, served and answered
/// by one loop with its own client, and nothing is shared on the request path.
///
/// Why `SO_REUSEPORT` rather than one acceptor handing connections out: no thread hop per
/// connection, and no loop whose stall holds up every accept. The cost: the kernel spreads
/// connections by a hash of their addresses, so a handful of connections may land unevenly,
/// and another process of the same user could bind the same port (the start-up log names the
/// port so a stray instance shows).
///
/// ```swift
/// let server = try await CacheServer.start(configuration: config, registry: registry, logger: logger)
/// // … SIGTERM:
/// await server.shutdown()
/// ```
public final class CacheServer: Sendable {
    public let group: LibevEventLoopGroup
    let engines: [LoopBound<CacheEngine>]
    let clients: [RedisClusterClient]
    let listeners: [Channel]
    let configuration: ServiceConfiguration
    let logger: Logger
    private let tasks: [Task<Void, Never>]

    /// The port the listeners are bound to (the configured one, or the one picked for port 0).
    public var port: Int { listeners.first?.localAddress?.port ?? configuration.listen.port }

    private init(group: LibevEventLoopGroup, engines: [LoopBound<CacheEngine>], clients: [RedisClusterClient],
                 listeners: [Channel], configuration: ServiceConfiguration, logger: Logger, tasks: [Task<Void, Never>]) {
        self.group = group
        self.engines = engines
        self.clients = clients
        self.listeners = listeners
        self.configuration = configuration
        self.logger = logger
        self.tasks = tasks
    }

    /// Starts the clients and the listeners; does not wait for the cluster (`/healthz` says when
    /// it is ready; requests before then wait in the client's offline queue). `tls`: the
    /// configuration's TLS files already loaded (nil: loaded here).
    public static func start(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry,
                             logger: Logger, tls: ServiceTLSContexts? = nil) async throws -> CacheServer {
        let tls = try tls ?? ServiceTLSContexts(configuration: configuration)
        let group = LibevEventLoopGroup(numberOfThreads: configuration.loops)
        var factory = PrometheusMetricsFactory(registry: registry)
        // Requests take tens of microseconds to a few milliseconds: the default buckets
        // (5 ms and up) would put nearly all of them in the first one.
        factory.durationHistogramBuckets[ServiceMetrics.duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        var clusterConfiguration = RedisClusterConfiguration(seeds: configuration.redisHosts.map { .init(host: $0.host, port: $0.port) })
        clusterConfiguration.node.username = configuration.redisUsername
        clusterConfiguration.node.password = configuration.redisPassword
        clusterConfiguration.commandTimeout = configuration.redisTimeout
        clusterConfiguration.node.tls = tls.redis
        if !configuration.tls.resolve.isEmpty {
            let settings = configuration.tls
            clusterConfiguration.dnsLookup = { settings.address(for: $0) }
        }
        // The clients report redirects, refreshes, node counts, commands in flight and errors
        // by kind themselves (`redis_cluster_*`, see `ClusterMetricsOptions`), into the same
        // registry; one set of handles shared by the loops' clients adds up their figures.
        clusterConfiguration.metrics = ClusterMetricsOptions(factory: factory)
        // The client's default retry strategy is kept: when no seed answers for ~1 s, requests
        // waiting for the topology fail with 503 naming every seed's cause (rather than all
        // waiting out their timeout), and the next request starts discovery again.

        var engines: [LoopBound<CacheEngine>] = []
        var clients: [RedisClusterClient] = []
        var tasks: [Task<Void, Never>] = []
        for (index, loop) in group.loops.enumerated() {
            var loopLogger = logger
            loopLogger[metadataKey: "loop"] = "\(index)"
            let client = RedisClusterClient(configuration: clusterConfiguration, eventLoop: loop, logger: loopLogger)
            clients.append(client)
            let factory = factory
            let engine = try await loop.submit {
                LoopBound(CacheEngine(loop: loop, client: client, configuration: configuration,
                                      metrics: ServiceMetrics(factory: factory), registry: registry,
                                      logger: logger), on: loop)
            }.get()
            engines.append(engine)
        }
        for (client, engine) in zip(clients, engines) {
            tasks.append(Task {
                for await event in client.events {
                    engine.execute { $0.health.apply(event) }
                }
            })
        }

        var server = TCPServer(group: group)
        server.reusePort = true
        var listeners: [Channel] = []
        do {
            var http = HTTPServerConfiguration()
            http.limits.maxBodySize = configuration.maxValueBytes
            http.requestReadTimeout = configuration.idleTimeout
            // The default 256 requests owed per connection: past them the connection waits
            // for answers before it takes more (a 1,000-request pipeline is served in steps).
            for engine in engines {
                // With port 0 the first listener picks a port; the others join it.
                let port = listeners.first?.localAddress?.port ?? configuration.listen.port
                listeners.append(try await server.bind(host: configuration.listen.host, port: port, on: engine.loop) { [http] pipeline in
                    let engine = engine.value
                    engine.track(pipeline.channel)
                    guard let https = tls.https else {
                        return pipeline.addingHTTPServer(configuration: http, handler: CacheHTTPHandler(engine: engine))
                    }
                    // HTTPS: the HTTP stages see plaintext, and a connection only once its handshake is done.
                    let peer = pipeline.channel.remoteAddress.map { "\($0)" } ?? "?"
                    return pipeline.adding(TLSStage(server: https, peer: peer))
                        .addingHTTPServer(configuration: http, handler: CacheHTTPHandler(engine: engine))
                }.get())
            }
        } catch {
            for listener in listeners { _ = try? await listener.close().get() }
            for task in tasks { task.cancel() }
            for client in clients { await client.close() }
            try? await group.shutdownGracefully()
            throw error
        }
        logger.info("cache service listening", metadata: [
            "address": "\(configuration.listen.host):\(listeners[0].localAddress?.port ?? 0)",
            "https": "\(tls.https != nil)", "redis_tls": "\(tls.redis != nil)",
            "loops": "\(configuration.loops)", "redis": "\(configuration.redisHosts.map(\.description).joined(separator: ","))",
        ])
        return CacheServer(group: group, engines: engines, clients: clients, listeners: listeners,
                           configuration: configuration, logger: logger, tasks: tasks)
    }

    /// Stops accepting, lets requests in flight finish (at most `shutdownTimeout`), closes
    /// the connections and the cluster clients, and stops the loops.
    public func shutdown() async {
        logger.info("shutting down: no new connections; finishing requests in flight")
        for listener in listeners { _ = try? await listener.close().get() }
        for engine in engines { engine.execute { $0.startDraining() } }
        let deadline = ContinuousClock.now + .nanoseconds(configuration.shutdownTimeout.nanoseconds)
        var remaining = await requestsInFlight()
        while remaining > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            remaining = await requestsInFlight()
        }
        if remaining > 0 {
            logger.warning("shutdown timeout: closing with requests unanswered", metadata: ["requests": "\(remaining)"])
        }
        for engine in engines { _ = try? await engine.loop.submit { engine.value.closeConnections() }.get() }
        for task in tasks { task.cancel() }
        for client in clients { await client.close() }
        try? await group.shutdownGracefully()
        logger.info("stopped")
    }

    private func requestsInFlight() async -> Int {
        var total = 0
        for engine in engines {
            total += (try? await engine.loop.submit { engine.value.requestsInFlight }.get()) ?? 0
        }
        return total
    }
}

/// A loop-confined value that may be passed between threads but only used on its loop.
/// `@unchecked Sendable`: `value` is touched only on `loop` (`execute`, or code already on it).
final class LoopBound<Value: AnyObject>: @unchecked Sendable {
    let loop: LibevEventLoop
    private let wrapped: Value

    init(_ value: Value, on loop: LibevEventLoop) {
        self.wrapped = value
        self.loop = loop
    }

    /// The value; only on `loop`.
    var value: Value {
        loop.preconditionInEventLoop()
        return wrapped
    }

    func execute(_ body: @escaping @Sendable (Value) -> Void) {
        loop.execute { [self] in body(wrapped) }
    }
}
