import SwiftEV

/// A request whose connection failed or was lost before its answer.
public struct ChaosHTTPLost: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// False when the request was never written (the connection could not be opened).
    public var mayHaveRun: Bool
    public init(description: String, mayHaveRun: Bool = true) {
        self.description = description
        self.mayHaveRun = mayHaveRun
    }
}

/// One keep-alive HTTP/1.1 connection to the cache service on one loop, requests pipelined and
/// answered in order. Dialled on first use and again after a loss; a request whose connection
/// is lost before its answer fails with `ChaosHTTPLost` (it may have run). Loop-confined.
final class ChaosHTTPConnection {
    typealias Completion = (Result<ChaosHTTPResponse, ChaosHTTPLost>) -> Void

    let loop: LibevEventLoop
    let host: String
    let port: Int
    /// A request unanswered this long closes the connection (the service answers every
    /// request within its Redis timeout; this only keeps a lost answer from hanging a worker).
    let answerTimeout: TimeAmount
    private var stage: Stage?
    private var connecting = false
    /// Requests written, oldest first, with when they were written.
    private var inFlight: [(completion: Completion, sentAt: Deadline)] = []
    private var head = 0
    /// Requests waiting for the connection.
    private var queued: [(bytes: ByteBuffer, completion: Completion)] = []
    private var parser = ChaosHTTPResponseParser()
    private var watchdog: (any LoopTimer)?
    private var watchdogArmed = false
    private var closed = false

    init(loop: LibevEventLoop, host: String, port: Int, answerTimeout: TimeAmount) {
        self.loop = loop
        self.host = host
        self.port = port
        self.answerTimeout = answerTimeout
    }

    func send(_ request: ByteBuffer, _ completion: @escaping Completion) {
        guard !closed else { return completion(.failure(ChaosHTTPLost(description: "HTTP client closed", mayHaveRun: false))) }
        guard let stage, let context = stage.context else {
            queued.append((request, completion))
            return dial()
        }
        inFlight.append((completion, loop.now))
        context.writeAndFlush(request)
        armWatchdog()
    }

    func close() {
        closed = true
        watchdog?.cancel()
        if let context = stage?.context { context.close() }
        failAll(ChaosHTTPLost(description: "HTTP client closed"))
    }

    private func dial() {
        guard !connecting else { return }
        connecting = true
        let stage = Stage(owner: self)
        TCPClient(loop: loop).connect(on: loop, host: host, port: port) { $0.adding(stage) }.whenComplete { [self] result in
            connecting = false
            switch result {
            case .success:
                self.stage = stage
                parser = ChaosHTTPResponseParser()
                let waiting = queued
                queued = []
                for request in waiting { send(request.bytes, request.completion) }
            case .failure(let error):
                let waiting = queued
                queued = []
                for request in waiting { request.completion(.failure(ChaosHTTPLost(description: "HTTP connect failed: \(error)", mayHaveRun: false))) }
            }
        }
    }

    fileprivate func received(_ bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { parser.feed($0) }
        do {
            while let response = try parser.next() {
                guard head < inFlight.count else { return lost("an answer nobody asked for") }
                let completion = inFlight[head].completion
                head += 1
                if head == inFlight.count { inFlight.removeAll(keepingCapacity: true); head = 0 }
                completion(.success(response))
            }
        } catch {
            lost("malformed answer: \(error)")
        }
    }

    fileprivate func channelClosed() {
        stage = nil
        failAll(ChaosHTTPLost(description: "HTTP connection lost"))
    }

    private func lost(_ why: String) {
        if let context = stage?.context { context.close() }
        stage = nil
        failAll(ChaosHTTPLost(description: why))
    }

    private func failAll(_ error: ChaosHTTPLost) {
        let pending = inFlight[head...]
        inFlight = []
        head = 0
        for request in pending { request.completion(.failure(error)) }
    }

    /// Not re-armed per request: a steady stream of new requests must not keep pushing back
    /// the check of the oldest one.
    private func armWatchdog() {
        guard !watchdogArmed else { return }
        if watchdog == nil {
            watchdog = loop.makeTimer { [weak self] in
                self?.watchdogArmed = false
                self?.checkAnswers()
            }
        }
        watchdogArmed = true
        watchdog?.arm(in: .milliseconds(500), on: loop)
    }

    private func checkAnswers() {
        guard !closed, head < inFlight.count else { return }
        if loop.now - inFlight[head].sentAt > answerTimeout {
            return lost("no HTTP answer within \(answerTimeout)")
        }
        armWatchdog()
    }

    /// The pipeline's one stage: bytes to the connection, and the news of its end.
    final class Stage: ChannelStage {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        unowned let owner: ChaosHTTPConnection
        fileprivate var context: Context?

        init(owner: ChaosHTTPConnection) {
            self.owner = owner
        }

        func stageAdded(context: Context) { self.context = context }
        func stageRemoved(context: Context) { self.context = nil }
        func channelRead(context: Context, data: ByteBuffer) { owner.received(data) }
        func channelInactive(context: Context) {
            self.context = nil
            if owner.stage === self { owner.channelClosed() }
        }
    }
}
