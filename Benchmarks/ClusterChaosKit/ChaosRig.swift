import CacheServiceCore
import Logging
import Prometheus
import RedisCluster
import SwiftEV

/// What carries one run's load, set up for a `ChaosPath`: per loop a `ChaosLoad` over its
/// driver, and whatever the drivers need (cluster clients; the cache service and its HTTP
/// connections), torn down by `stop()` once the loads have stopped.
struct ChaosRig: Sendable {
    var loads: [ChaosLoad]
    /// The threads of the loops that carry the load, and of the cache service's loops.
    var threads: [ChaosThreadCPU] = []
    var stop: @Sendable () async -> Void

    static func start(_ path: ChaosPath, settings: ChaosSettings, configuration: RedisClusterConfiguration,
                      group: LibevEventLoopGroup, run: String) async throws -> ChaosRig {
        let loops = group.loops.count
        let perLoop = (settings.workers + loops - 1) / loops
        let ranges = (0..<loops).map { ($0 * perLoop)..<min(settings.workers, ($0 + 1) * perLoop) }
        switch path {
        case .client, .wait:
            let clients = group.loops.map { RedisClusterClient(configuration: configuration, eventLoop: $0) }
            for client in clients { try await client.connect() }
            var loads: [ChaosLoad] = []
            for (client, range) in zip(clients, ranges) {
                let waitMilliseconds = settings.waitMilliseconds
                loads.append(try await client.eventLoop.submit {
                    let driver: any ChaosDriver = path == .wait
                        ? ChaosWaitDriver(client: client, waitMilliseconds: waitMilliseconds)
                        : ChaosClientDriver(client: client)
                    return ChaosLoad(driver: driver, loop: client.eventLoop, workers: range, run: run)
                }.get())
            }
            var threads: [ChaosThreadCPU] = []
            for (index, loop) in group.loops.enumerated() { threads.append(try await .of(loop, name: "client+load \(index)")) }
            return ChaosRig(loads: loads, threads: threads) { for client in clients { await client.close() } }
        case .http:
            return try await startService(settings: settings, configuration: configuration, group: group, ranges: ranges, run: run)
        }
    }

    /// The cache service in this process, on loops of its own (`serviceLoops`), with the same
    /// seeds and command timeout as the client runs; the HTTP load runs on `group`'s loops, as
    /// another process would, so the service's loops only serve and their CPU time (see
    /// `ChaosResult.loopBusyBefore`) says whether the service or the load is what limits.
    private static func startService(settings: ChaosSettings, configuration: RedisClusterConfiguration,
                                     group: LibevEventLoopGroup, ranges: [Range<Int>], run: String) async throws -> ChaosRig {
        var service = ServiceConfiguration()
        service.listen = HostPort(host: "127.0.0.1", port: settings.httpPort)
        service.redisHosts = configuration.seeds.map { HostPort(host: $0.endpoint.host, port: $0.endpoint.port) }
        service.loops = settings.serviceLoops
        service.redisTimeout = configuration.commandTimeout
        var logger = Logger(label: "chaos.cache-service")
        // Every failed request under a fault would be logged: the ledger counts them instead.
        logger.logLevel = .critical
        let server = try await CacheServer.start(configuration: service, registry: PrometheusCollectorRegistry(), logger: logger)
        // Past the service's own Redis timeout, so the service's answer (504, outcome unknown)
        // arrives first and this only catches an answer that never comes.
        let answerTimeout = configuration.commandTimeout + .seconds(5)
        var loads: [ChaosLoad] = []
        for (loop, range) in zip(group.loops, ranges) {
            let port = server.port
            loads.append(try await loop.submit {
                let driver = ChaosHTTPDriver(loop: loop, port: port, answerTimeout: answerTimeout)
                return ChaosLoad(driver: driver, loop: loop, workers: range, run: run)
            }.get())
        }
        // Ready when every loop's cluster client is: its `/healthz` answers 200.
        for load in loads {
            var ready = false
            for _ in 0..<200 where !ready {
                ready = try await load.loop.submit { () -> EventLoopFuture<Bool> in
                    let promise = load.loop.makePromise(of: Bool.self)
                    (load.driver as? ChaosHTTPDriver)?.health { promise.succeed($0) }
                    return promise.futureResult
                }.get().get()
                if !ready { try await Task.sleep(for: .milliseconds(50)) }
            }
            guard ready else { throw ChaosCluster.Failure(description: "the cache service did not become ready") }
        }
        let started = loads
        var threads: [ChaosThreadCPU] = []
        for (index, loop) in server.group.loops.enumerated() { threads.append(try await .of(loop, name: "service \(index)")) }
        for (index, loop) in group.loops.enumerated() { threads.append(try await .of(loop, name: "HTTP load \(index)")) }
        return ChaosRig(loads: started, threads: threads) {
            for load in started { try? await load.loop.submit { (load.driver as? ChaosHTTPDriver)?.close() }.get() }
            await server.shutdown()
        }
    }
}
