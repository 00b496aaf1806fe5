import Glibc
import Logging
import Prometheus
import Redis
import RedisCluster
import RESP
import SwiftEV

/// One loop's share of the service: it answers requests with that loop's cluster client, so a
/// request is parsed, sent to Redis and answered without leaving the loop. Loop-confined:
/// every method runs on `loop` (the HTTP stage calls it from its channel, pinned to the same
/// loop).
///
/// ```swift
/// engine.handle(method: "GET", target: Array("/v1/cache/k".utf8), body: ByteBuffer()) { response in
///     // write `response` (on the loop)
/// }
/// ```
final class CacheEngine {
    let loop: LibevEventLoop
    let client: RedisClusterClient
    let configuration: ServiceConfiguration
    private let metrics: ServiceMetrics
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    var health = HealthState.discovering(lastError: nil)
    /// Requests parsed but not answered yet (shutdown waits for zero).
    private(set) var requestsInFlight = 0

    init(loop: LibevEventLoop, client: RedisClusterClient, configuration: ServiceConfiguration,
         metrics: ServiceMetrics, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.loop = loop
        self.client = client
        self.configuration = configuration
        self.metrics = metrics
        self.registry = registry
        self.logger = logger
    }

    /// Open HTTP connections, closed at the end of a shutdown.
    private var connections: [ObjectIdentifier: Channel] = [:]

    func track(_ channel: Channel) {
        let id = ObjectIdentifier(channel)
        connections[id] = channel
        channel.closeFuture.whenComplete { [weak self] _ in self?.connections[id] = nil }
    }

    func closeConnections() {
        for channel in connections.values { _ = channel.close() }
    }

    func startDraining() {
        health = .shuttingDown
    }

    /// Answers one request; `respond` is called exactly once, on the loop.
    func handle(method: String, target: some Collection<UInt8>, body: ByteBuffer, respond: @escaping (CacheResponse) -> Void) {
        let started = Self.monotonicNanoseconds()
        let route = RequestRouter.route(of: target)
        requestsInFlight += 1
        let finish: (CacheResponse) -> Void = { [self] response in
            requestsInFlight -= 1
            metrics.requestFinished(route: route, status: response.status, nanoseconds: Self.monotonicNanoseconds() - started)
            respond(response)
        }
        let request: CacheRequest
        switch RequestRouter.match(method: method, target: target) {
        case .success(let matched): request = matched
        case .failure(let error): return finish(error.response)
        }
        if request.takesBody, body.readableBytes > configuration.maxValueBytes {
            return finish(RequestError.valueTooLarge(limit: configuration.maxValueBytes).response)
        }
        switch request {
        case .health: return finish(health.response)
        case .metrics: return finish(prometheusText())
        default: break
        }
        guard let command = StorePlan.command(for: request, value: body) else { return finish(.text(500, "no command\n")) }
        client.submit(command) { [self] reply in
            answer(StorePlan.response(for: request, reply: reply), finish)
        }
    }

    private func answer(_ answer: StorePlan.Answer, _ finish: @escaping (CacheResponse) -> Void) {
        switch answer {
        case .done(let response):
            finish(response)
        case .failed(let failure):
            metrics.storeError(kind: failure.kind)
            if failure.outcome == .unknown {
                logger.warning("store failure, outcome unknown", metadata: ["kind": "\(failure.kind)", "error": "\(failure.message)"])
            }
            finish(failure.response)
        case .waitForReplicas(let replicas, let slot):
            client.submit(StorePlan.waitCommand(replicas: replicas, timeout: configuration.waitTimeout), toPrimaryOf: slot) { [self] reply in
                self.answer(StorePlan.waitResponse(wanted: replicas, reply: reply), finish)
            }
        }
    }

    private func prometheusText() -> CacheResponse {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return CacheResponse(status: 200, contentType: .prometheus, body: ByteBuffer(bytes: bytes))
    }

    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
