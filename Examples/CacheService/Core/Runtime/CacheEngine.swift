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
/// engine.handle(.get, target: bytes, body: ByteBuffer(), sink: responder)   // responder.answer(response) later, on the loop
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

    /// Answers one request: `sink.answer` is called exactly once, on the loop.
    ///
    /// A request that goes to Redis costs one allocation here, the closure its reply comes
    /// back to (it holds what the answer needs); the HTTP side passes a sink rather than a
    /// closure of its own for the same reason.
    func handle<Sink: CacheAnswerSink>(_ method: RequestRouter.Method, target: UnsafeRawBufferPointer, body: ByteBuffer, sink: Sink) {
        let started = Self.monotonicNanoseconds()
        requestsInFlight += 1
        let request: CacheRequest
        switch RequestRouter.match(method, target: target) {
        case .success(let matched): request = matched
        case .failure(let error):
            return finish(error.response, route: RequestRouter.route(of: target), started: started, sink: sink)
        }
        if request.takesBody, body.readableBytes > configuration.maxValueBytes {
            return finish(RequestError.valueTooLarge(limit: configuration.maxValueBytes).response, route: request.route, started: started, sink: sink)
        }
        switch request {
        case .health: return finish(health.response, route: .health, started: started, sink: sink)
        case .metrics: return finish(prometheusText(), route: .metrics, started: started, sink: sink)
        default: break
        }
        guard let command = StorePlan.command(for: request, value: body) else {
            return finish(.text(500, "no command\n"), route: request.route, started: started, sink: sink)
        }
        if case .put(_, _, let wait) = request, wait > 0 {
            // The write and its WAIT as one unit on the node that runs the write: a WAIT sent
            // afterwards to the slot's primary counts nothing after an ASK mid-reshard.
            client.submit(command, waitingForReplicas: wait, timeout: configuration.waitTimeout) { [self] result in
                answer(StorePlan.replicatedResponse(for: request, wanted: wait, result: result),
                       route: request.route, started: started, sink: sink)
            }
            return
        }
        client.submit(command) { [self] reply in
            answer(StorePlan.response(for: request, reply: reply), route: request.route, started: started, sink: sink)
        }
    }

    private func answer<Sink: CacheAnswerSink>(_ answer: StorePlan.Answer, route: Route, started: Int64, sink: Sink) {
        switch answer {
        case .done(let response):
            finish(response, route: route, started: started, sink: sink)
        case .failed(let failure):
            metrics.storeError(kind: failure.kind)
            if failure.outcome == .unknown {
                logger.warning("store failure, outcome unknown", metadata: ["kind": "\(failure.kind)", "error": "\(failure.message)"])
            }
            finish(failure.response, route: route, started: started, sink: sink)
        case .waitForReplicas:
            // Only `replicatedResponse` resolves a write's WAIT, and it never answers this: a
            // request that reaches here skipped it, and its durable outcome is not known.
            metrics.storeError(kind: "internal")
            finish(StoreFailure(status: 500, outcome: .unknown, kind: "internal",
                                message: "the write ran but its WAIT was not sent").response,
                   route: route, started: started, sink: sink)
        }
    }

    private func finish<Sink: CacheAnswerSink>(_ response: CacheResponse, route: Route, started: Int64, sink: Sink) {
        requestsInFlight -= 1
        metrics.requestFinished(route: route, status: response.status, nanoseconds: Self.monotonicNanoseconds() - started)
        sink.answer(response)
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

/// Where an engine's answer goes (the HTTP side's responder); a value, so handing it over
/// allocates nothing.
protocol CacheAnswerSink {
    func answer(_ response: CacheResponse)
}
