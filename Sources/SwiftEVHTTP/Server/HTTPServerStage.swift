import DequeModule
import SwiftEV

/// The last stage of an HTTP server connection: gathers each request with its body, hands it
/// to the handler, and writes the answers in request order.
///
/// Also does what a connection owes the protocol: `100 Continue` when a client waits for it
/// (after any earlier answers, so the interim answer cannot overtake them); the answer to a
/// refused request (its `HTTPParseError.status`, then close); `Connection: close` honoured
/// after the answer it applies to; the read timeout. Install it with `addingHTTPServer`.
///
/// Two things keep a connection's cost bounded and its answers intact:
/// - Read backpressure: with `maxPendingRequests` requests unanswered the channel stops reading
///   (`Channel.pauseReading`), so a client pipelining faster than it is answered fills the
///   kernel's buffers and TCP slows it down; reading resumes as answers go out.
/// - Lingering close: after the answer that ends the connection, the server shuts down its
///   sending side and discards what the client still sends until it closes too (or
///   `lingerTimeout` passes), instead of a close that resets the connection and may destroy
///   the answer in flight.
public final class HTTPServerStage: ChannelStage {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = Never
    public typealias OutboundIn = Never
    public typealias OutboundOut = HTTPResponsePart

    /// One request waiting for its answer, or its answer waiting for earlier ones.
    struct Slot {
        var response: HTTPResponse?
        let keepAlive: Bool
        let isHead: Bool
        let version: HTTPVersion
    }

    private let handler: any HTTPRequestHandler
    private let configuration: HTTPServerConfiguration
    private let decoder: HTTPRequestDecoderStage?
    @exclusivity(unchecked) private var context: Context?
    /// Set in `stageAdded`, before any request can arrive.
    private(set) var eventLoop: (any EventLoop)!

    // The request being received.
    @exclusivity(unchecked) private var head: HTTPRequestHead?
    @exclusivity(unchecked) private var body: ByteBuffer?
    @exclusivity(unchecked) private var bodyGathered = false

    // Answers owed, in request order; `slots[i]` belongs to sequence `firstSequence + i`.
    @exclusivity(unchecked) private var slots = Deque<Slot>()
    @exclusivity(unchecked) private var firstSequence = 0
    @exclusivity(unchecked) private var nextSequence = 0
    /// The current request waits for `100 Continue` behind earlier answers.
    @exclusivity(unchecked) private var continueOwed = false
    /// No more requests are taken: one was refused, or asked to close the connection.
    @exclusivity(unchecked) private var noMoreRequests = false
    /// The client shut down its sending side: close once the answers owed are written.
    @exclusivity(unchecked) private var inputClosed = false
    @exclusivity(unchecked) private var closed = false
    /// Inside a batch of reads: answers given now are flushed once, at its end.
    @exclusivity(unchecked) private var reading = false
    @exclusivity(unchecked) private var flushOwed = false
    @exclusivity(unchecked) private var timer: (any LoopTimer)?
    /// Since when the connection has owed no answer and waits for a request; nil while one is
    /// being answered. The read timeout runs from here. The timer is not moved per request:
    /// when it fires early (the connection was busy in between) it is set again for what is
    /// left, which costs a timer operation per timeout instead of two per request.
    @exclusivity(unchecked) private var idleSince: Deadline?
    /// The last answer is written and the sending side shut down: waiting for the client to close.
    @exclusivity(unchecked) private var lingering = false
    /// The channel's reading is paused because `maxPendingRequests` answers are owed.
    @exclusivity(unchecked) private var readingPaused = false

    /// - Parameters:
    ///   - handler: gets every request of the connection.
    ///   - decoder: the connection's decoder, paused while `maxPendingRequests` answers are owed.
    public init(handler: any HTTPRequestHandler, configuration: HTTPServerConfiguration = .init(), decoder: HTTPRequestDecoderStage? = nil) {
        self.handler = handler
        self.configuration = configuration
        self.decoder = decoder
    }

    public func stageAdded(context: Context) {
        self.context = context
        eventLoop = context.eventLoop
    }

    public func stageRemoved(context: Context) {
        closed = true
        timer?.cancel()
        timer = nil
        slots.removeAll()
        self.context = nil
    }

    public func channelActive(context: Context) {
        armReadTimeout()
        context.fireActive()
    }

    public func channelInactive(context: Context) {
        closed = true
        timer?.cancel()
        slots.removeAll()
        context.fireInactive()
    }

    public func write(context: Context, data: Never, promise: EventLoopPromise<Void>?) {}

    // MARK: Requests

    public func channelRead(context: Context, data: HTTPRequestPart) {
        guard !noMoreRequests, !closed else { return }
        reading = true
        switch data {
        case .head(let head):
            self.head = head
            body = nil
            bodyGathered = false
            // Decided at the end of the read batch or of earlier answers: a client that sent
            // the body without waiting gets no interim answer.
            continueOwed = head.expectsContinue
        case .body(let part):
            receiveBody(part)
        case .end:
            finishRequest(context: context)
        }
    }

    private func receiveBody(_ part: ByteBuffer) {
        guard var gathered = body else {
            body = part  // a body that arrives in one piece stays a slice of the read buffer
            return
        }
        body = nil
        if !bodyGathered {
            var fresh = handlerBuffer() ?? ByteBuffer(capacity: max(head?.contentLength ?? 0, 2 * (gathered.readableBytes + part.readableBytes)))
            fresh.writeBuffer(gathered)
            gathered = fresh
            bodyGathered = true
        }
        gathered.writeBuffer(part)
        body = gathered
    }

    /// The handler's storage for the body (`HTTPRequestHandler.bodyBuffer`), when the length is
    /// known and it has room for all of it (so appending never moves it), its reader index at
    /// the body's start.
    private func handlerBuffer() -> ByteBuffer? {
        guard let head, let length = head.contentLength,
              var buffer = handler.bodyBuffer(for: head, length: length), buffer.writableBytes >= length else { return nil }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return buffer
    }

    private func finishRequest(context: Context) {
        guard let head else { return }
        self.head = nil
        let body = self.body ?? head.targetBytes.getSlice(at: head.targetBytes.readerIndex, length: 0)!
        self.body = nil
        continueOwed = false  // the body is here: no interim answer needed any more
        idleSince = nil
        let sequence = nextSequence
        nextSequence += 1
        slots.append(Slot(response: nil, keepAlive: head.keepAlive, isHead: head.method == .HEAD, version: head.version))
        if !head.keepAlive {
            // RFC 9112 §9.6: nothing after a request with `Connection: close` is processed.
            noMoreRequests = true
            decoder?.discardInput()
        } else if slots.count >= configuration.maxPendingRequests {
            decoder?.pause()
            readingPaused = true
            context.channel.pauseReading()
        }
        handler.handle(HTTPRequest(head: head, body: body), responder: HTTPResponder(connection: self, sequence: sequence))
    }

    public func channelReadComplete(context: Context) {
        reading = false
        if continueOwed && slots.isEmpty { writeContinue(context: context) }
        if flushOwed {
            flushOwed = false
            context.flush()
        }
        context.fireReadComplete()
    }

    /// The client shut down its sending side (`ChannelOptions.allowHalfClosure`, which
    /// `bindHTTP` sets): what it sent before is still answered, then the connection closes.
    public func userInboundEventTriggered(context: Context, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, !closed, !inputClosed {
            inputClosed = true
            if lingering { return context.close() }
            noMoreRequests = true
            head = nil  // a request cut short by the shutdown is never complete
            body = nil
            continueOwed = false
            timer?.cancel()
            if slots.isEmpty { context.close() }
        }
        context.fireUserEvent(event)
    }

    public func errorCaught(context: Context, error: any Error) {
        guard let refused = error as? HTTPParseError, !noMoreRequests, !closed else {
            context.fireError(error)
            return
        }
        // Answer the refused request after the ones before it, then close.
        noMoreRequests = true
        head = nil
        body = nil
        continueOwed = false
        timer?.cancel()
        var response = HTTPResponse.text(refused.status, refused.reason + "\n")
        response.keepAlive = false
        nextSequence += 1
        slots.append(Slot(response: response, keepAlive: false, isHead: false, version: .http1_1))
        context.fireError(error)
        writeAnswered()
    }

    // MARK: Answers

    /// Called through an `HTTPResponder`, on the loop.
    func complete(_ sequence: Int, with response: HTTPResponse) {
        guard !closed, sequence >= firstSequence, sequence < nextSequence else { return }
        let index = sequence - firstSequence
        guard slots[index].response == nil else { return }
        slots[index].response = response
        if index == 0 { writeAnswered() }
    }

    /// Writes the answers at the front of the queue that are ready.
    private func writeAnswered() {
        guard let context else { return }
        var wrote = false
        while !slots.isEmpty, slots[slots.startIndex].response != nil {
            let first = slots.removeFirst()  // moved out, not copied
            let response = first.response!
            firstSequence += 1
            wrote = true
            let keepAlive = first.keepAlive && response.keepAlive && !(inputClosed && slots.isEmpty)
            let length = response.body?.readableBytes ?? 0
            context.write(.head(HTTPResponseHead(
                status: response.status, version: first.version, headers: response.headers,
                contentLength: length, keepAlive: keepAlive, isHeadResponse: first.isHead)))
            if let body = response.body, length > 0, !first.isHead { context.write(.body(body)) }
            if !keepAlive {
                closeAfterWriting(context: context)
                return
            }
            context.write(.end)
        }
        guard wrote else { return }
        if slots.isEmpty {
            if continueOwed && !reading { writeContinue(context: context) }
            armReadTimeout()
        }
        if slots.count < configuration.maxPendingRequests && !noMoreRequests {
            if readingPaused {
                readingPaused = false
                context.channel.resumeReading()
            }
            decoder?.resume()
        }
        if reading { flushOwed = true } else {
            flushOwed = false
            context.flush()
        }
    }

    private func closeAfterWriting(context: Context) {
        noMoreRequests = true
        // The answers still owed are dropped: their responders' sequences fall out of range, so
        // an answer that comes before the close completes is ignored (not an index into nothing).
        slots.removeAll()
        firstSequence = nextSequence
        timer?.cancel()
        let written = context.eventLoop.makePromise(of: Void.self)
        context.write(.end, promise: written)
        context.flush()
        written.futureResult.whenComplete { [self] result in
            guard !closed else { return }
            guard case .success = result, let linger = configuration.lingerTimeout, !inputClosed else {
                context.close()
                return
            }
            startLingering(context: context, for: linger)
        }
    }

    /// The answer is out: the client gets our FIN after it, and what it still sends is read
    /// and dropped, so the close that follows cannot reset the connection under the answer.
    private func startLingering(context: Context, for linger: TimeAmount) {
        lingering = true
        decoder?.discardInput()
        if readingPaused {
            readingPaused = false
            context.channel.resumeReading()
        }
        context.channel.shutdownOutput()
        let timer = self.timer ?? context.eventLoop.makeTimer { [unowned self] in timerFired() }
        self.timer = timer
        timer.arm(at: context.eventLoop.now + linger)
    }

    /// Written before the flush that follows (end of a read batch, or of `writeAnswered`).
    private func writeContinue(context: Context) {
        continueOwed = false
        context.write(.head(HTTPResponseHead(status: .continue)))
        flushOwed = true
    }

    // MARK: Read timeout

    private func armReadTimeout() {
        guard let timeout = configuration.requestReadTimeout, !noMoreRequests, !closed, let context else { return }
        let now = context.eventLoop.now
        idleSince = now
        let timer = self.timer ?? context.eventLoop.makeTimer { [unowned self] in timerFired() }
        self.timer = timer
        if !timer.isArmed { timer.arm(at: now + timeout) }
    }

    private func timerFired() {
        if lingering {
            context?.close()
            return
        }
        // Busy since it was set: the next idle period sets it again.
        guard let idleSince, let timeout = configuration.requestReadTimeout, let context else { return }
        let deadline = idleSince + timeout
        if deadline > context.eventLoop.now {
            timer?.arm(at: deadline)  // idle again since: what is left of the timeout
        } else {
            readTimedOut()
        }
    }

    private func readTimedOut() {
        guard let context, slots.isEmpty, !closed else { return }
        noMoreRequests = true
        context.fireError(HTTPServerError.requestReadTimeout)
        context.close()
    }
}
