import SwiftEV

/// TLS between the transport and the rest of the pipeline: ciphertext on the transport side,
/// plaintext after it. Client or server, on OpenSSL with memory BIOs, so it fits any pipeline
/// (a socket, the in-memory test channel).
///
/// ```swift
/// let tls = try TLSContext(configuration: .client)
/// TCPClient(group: group).connect(host: "127.0.0.1", port: 6380) { pipeline in
///     pipeline
///         .adding(TLSStage(client: tls, serverName: "redis.example.com", peer: "127.0.0.1:6380"))
///         .adding(MyProtocolStage())
/// }
/// ```
///
/// - The next stage sees `channelActive` only once the handshake has succeeded (and the peer
///   verified): whatever it writes from then on is encrypted. Writes made earlier wait.
/// - Writes are gathered and encrypted once per loop iteration in which they were flushed (at
///   its end, `EventLoop.flushAtIterationEnd`), so many small messages flushed one by one cost
///   a few records, not one each. While the peer has answered every record sent, a flush is
///   cut in two (`TLSRecordSplit`), so a server that decrypts one record per turn, as Redis
///   does, overlaps its work with ours.
/// - With a `TLSFlushHold` (client only), a flush waits while the peer has not answered the
///   previous one, at most its `maximumWait`, and is not split.
/// - `close` sends `close_notify` first; a `close_notify` from the peer is answered and the
///   channel closed.
/// - Renegotiation is refused (TLS 1.2; TLS 1.3 has none); the connection carries on.
/// - Failures (verification, version, a handshake that exceeds `handshakeTimeout`, bytes that
///   are not TLS) are fired as `TLSError`, kept in `failure`, and close the channel.
public final class TLSStage: ChannelStage, IterationEndFlushing {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundIn = ByteBuffer

    private enum State { case idle, handshaking, open, closed }

    private let tlsContext: TLSContext
    private let serverName: String?
    /// `host:port` of the peer, for errors.
    public let peer: String
    /// Why the connection failed, once it has.
    public private(set) var failure: TLSError?
    /// The negotiated version ("TLSv1.3"), once the handshake is done.
    public private(set) var protocolVersion: String?

    // Loop-confined, and no access to these overlaps a call that re-enters the stage: the
    // in-place mutations (`pendingWrites.writeBuffer`, `session.read(into: &decrypted)`,
    // `flushGate!.flushWanted`) call no other stage, and every `fireRead`/`writeAndFlush`
    // takes its argument by value first. So the dynamic exclusivity checks are skipped: each
    // is a thread-local lookup, and a command over TLS made 2.3 of them (callgrind).
    @exclusivity(unchecked) private var state = State.idle
    @exclusivity(unchecked) private var session: TLSSession?
    @exclusivity(unchecked) private var timer: (any LoopTimer)?
    /// Plaintext written since the last flush (encrypted together at the flush).
    @exclusivity(unchecked) private var pendingWrites = ByteBuffer()
    @exclusivity(unchecked) private var pendingPromises: [EventLoopPromise<Void>] = []
    @exclusivity(unchecked) private var decrypted = ByteBuffer(capacity: 16 * 1024)
    /// While inbound data is being handed on, flushes only mark `flushRequested`: the next stage
    /// typically writes and flushes once per reply it receives, and encrypting per flush would
    /// cost a record, a cipher call and a buffer per command. One flush after the batch instead.
    @exclusivity(unchecked) private var delivering = false
    @exclusivity(unchecked) private var flushRequested = false
    /// A flush outside a read waits for the end of the loop iteration (`flushAtIterationEnd`):
    /// a cluster client writes to this node from replies read on *other* connections, one
    /// flush per reply, and each would otherwise cost a record and a cipher call. Worse, Redis
    /// answers each record on its own (it handles one record per event-loop turn), so one record
    /// per command also meant one record per reply to decrypt. Callgrind, cluster client over
    /// TLS at 200 in flight: SSL_write 0.79 -> 0.02 and SSL_read 0.82 -> 0.02 calls per command;
    /// 35.7k -> 8.6k instructions per command (plaintext: 7.5k).
    @exclusivity(unchecked) private var iterationEndFlushQueued = false
    /// A flush was held in this loop iteration, and neither a read (answer or not: clearing it
    /// on any read keeps it simple, and the gate is asked again) nor the hold timer has come
    /// since: every later flush in the iteration is held too (the gate's answer depends only on
    /// its state and the iteration's clock), so it returns at once. A cluster node channel
    /// flushes after every command; asking the gate each time read the clock and cost ~160
    /// instructions (callgrind). Cleared at the iteration end (`flushAtIterationEnd`).
    @exclusivity(unchecked) private var heldThisIteration = false
    /// Kept while a flush is queued for the iteration end or held for an answer.
    @exclusivity(unchecked) private var context: Context?
    /// Nil: flushes never wait for an answer (see `TLSFlushHold`).
    @exclusivity(unchecked) private var flushGate: TLSFlushGate?
    /// Without a flush hold: how each flush is cut into records.
    @exclusivity(unchecked) private var recordSplit = TLSRecordSplit()
    @exclusivity(unchecked) private var holdTimer: (any LoopTimer)?
    /// `context.channel`, for the clock read of every held flush: through the context's checked
    /// `unowned` channel and the loop existential that read cost an atomic retain and two
    /// releases per command; through `_withUnsafeGuaranteedRef`, none. Set in `stageAdded`,
    /// cleared in `stageRemoved`; read only by `flush`, which the pipeline calls in between,
    /// i.e. while the channel, which owns the pipeline, is alive.
    @exclusivity(unchecked) private var channel: Unmanaged<Channel>?

    /// A client: `serverName` is sent as SNI and verified in the server's certificate (an
    /// IP address is verified as one, and not sent). It overrides nothing in `context`: pass
    /// `context.configuration.serverName ?? host` for the usual choice. `flushHold`: see
    /// `TLSFlushHold` (nil, the default: every flush goes out at the end of its iteration).
    public init(client context: TLSContext, serverName: String?, peer: String, flushHold: TLSFlushHold? = nil) {
        self.tlsContext = context
        self.serverName = serverName
        self.peer = peer
        self.flushGate = flushHold.map(TLSFlushGate.init)
    }

    /// A server presenting the context's certificate.
    public init(server context: TLSContext, peer: String) {
        self.tlsContext = context
        self.serverName = nil
        self.peer = peer
    }

    // MARK: Inbound

    public func channelActive(context: Context) {
        guard state == .idle else { return }
        do {
            session = try TLSSession(context: tlsContext, serverName: serverName, peer: peer)
        } catch {
            return fail(error, context: context)
        }
        state = .handshaking
        let timeout = tlsContext.configuration.handshakeTimeout
        let timer = context.eventLoop.makeTimer { [unowned self, unowned context] in
            guard state == .handshaking else { return }
            fail(TLSError(.handshakeTimeout(timeout), peer: peer, reason: ""), context: context)
        }
        timer.arm(in: timeout, on: context.eventLoop)
        self.timer = timer
        advanceHandshake(context: context)
    }

    public func channelRead(context: Context, data: ByteBuffer) {
        guard let session, state == .handshaking || state == .open else { return }
        session.receive(data)
        heldThisIteration = false
        if state == .handshaking {
            advanceHandshake(context: context)
            guard state == .open else { return }
        }
        delivering = true
        let answered = readApplicationData(session, context: context)
        delivering = false
        // Only application data answers: not part of a record, a session ticket, a key update.
        if answered, flushGate?.received() == true {
            // The answer releases the held flush, with what the reply's reader wrote meanwhile.
            flushRequested = true
        }
        if flushRequested {
            flushRequested = false
            flush(context: context)
        }
    }

    public func channelReadComplete(context: Context) {
        if state == .open { context.fireReadComplete() }
    }

    public func channelInactive(context: Context) {
        timer?.cancel()
        stopHolding()
        if state == .handshaking {
            let error = TLSError(.closedDuringHandshake, peer: peer, reason: "")
            failure = error
            state = .closed
            context.fireError(error)
        }
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        context.fireInactive()
    }

    public func stageAdded(context: Context) {
        channel = Unmanaged.passUnretained(context.channel)
    }

    public func stageRemoved(context: Context) {
        channel = nil
        timer?.cancel()
        timer = nil
        stopHolding()
        holdTimer = nil
        session = nil
    }

    private func advanceHandshake(context: Context) {
        guard let session else { return }
        let progress: TLSSession.Progress
        do {
            progress = try session.handshake()
        } catch {
            return fail(error, context: context)
        }
        sendOutput(session, context: context)
        guard progress == .done, state == .handshaking else { return }
        state = .open
        protocolVersion = session.protocolVersion
        timer?.cancel()
        timer = nil
        context.fireActive()
        if state == .open && (pendingWrites.readableBytes > 0 || !pendingPromises.isEmpty) { flush(context: context) }
    }

    /// Decrypts what has arrived and hands it on; returns whether there was application data.
    private func readApplicationData(_ session: TLSSession, context: Context) -> Bool {
        // Keeps the storage when the next stage kept no slice of the last batch; a buffer that
        // grew for a large value is not kept, or each later read would allocate that much.
        if decrypted.capacity > 1 << 20 { decrypted = ByteBuffer(capacity: 16 * 1024) } else { decrypted.clear() }
        let outcome: TLSSession.ReadOutcome
        let recordsBefore = session.recordsRead
        defer { recordSplit.received(records: session.recordsRead &- recordsBefore) }
        do {
            outcome = try session.read(into: &decrypted)
        } catch {
            if decrypted.readableBytes > 0 { context.fireRead(decrypted) }
            fail(error, context: context)
            return false
        }
        // A TLS 1.3 key update is answered from inside SSL_read.
        sendOutput(session, context: context)
        let delivered = decrypted.readableBytes > 0
        if delivered { context.fireRead(decrypted) }
        if outcome == .closeNotify && state == .open {
            // The peer is done: answer its close_notify and close.
            context.close(promise: nil)
        }
        return delivered
    }

    // MARK: Outbound

    public func write(context: Context, data: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard state != .closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        pendingWrites.writeBuffer(data)
        if let promise { pendingPromises.append(promise) }
    }

    public func flush(context: Context) {
        // Already queued or held in this iteration: the common case, a flush per command.
        if iterationEndFlushQueued || heldThisIteration { return }
        guard state == .open, session != nil else { return }
        if delivering {
            flushRequested = true
            return
        }
        if flushGate != nil, holds(context: context) { return }
        iterationEndFlushQueued = true
        self.context = context
        context.eventLoop.flushAtIterationEnd(self)
    }

    /// Asks the gate whether this flush waits for the peer's answer; arms its timer if told.
    private func holds(context: Context) -> Bool {
        let now = channel!._withUnsafeGuaranteedRef { $0.eventLoop.now }
        guard case .hold(let deadline) = flushGate!.flushWanted(now: now) else { return false }
        // Usually already kept by the previous hold: assigning again is a retain and a release.
        if self.context !== context { self.context = context }
        // Set before queueing: a loop without iterations calls back at once, which clears it.
        heldThisIteration = true
        channel!._withUnsafeGuaranteedRef { $0.eventLoop.flushAtIterationEnd(self) }
        if let deadline {
            if holdTimer == nil {
                let loop = context.eventLoop
                holdTimer = loop.makeTimer { [unowned self] in holdTimerFired(now: loop.now) }
            }
            holdTimer!.arm(at: deadline)
        }
        return true
    }

    private func holdTimerFired(now: Deadline) {
        heldThisIteration = false
        switch flushGate?.timerFired(now: now) {
        case .send?: if let context { flush(context: context) }
        case .rearm(let deadline)?: holdTimer?.arm(at: deadline)
        case .nothing?, nil: break
        }
    }

    private func stopHolding() {
        heldThisIteration = false
        holdTimer?.cancel()
        flushGate?.reset()
        if !iterationEndFlushQueued { context = nil }
    }

    public func flushAtIterationEnd() {
        heldThisIteration = false
        // Queued only to end a hold's iteration (see `heldThisIteration`): nothing to send.
        guard iterationEndFlushQueued else { return }
        iterationEndFlushQueued = false
        guard let context else { return }
        // No cycle between the stage and its context while idle (the hold timer needs it).
        if flushGate?.isHolding != true { self.context = nil }
        encryptAndSend(context: context)
    }

    /// Encrypts everything written so far and sends it, now.
    private func encryptAndSend(context: Context) {
        guard state == .open, let session else { return }
        let hasData = pendingWrites.readableBytes > 0
        if hasData {
            do {
                if flushGate == nil {
                    let size = recordSplit.recordSize(forFlushOf: pendingWrites.readableBytes)
                    recordSplit.sent(records: try session.write(pendingWrites, recordSize: size))
                } else {
                    _ = try session.write(pendingWrites)
                }
            } catch {
                return fail(error, context: context)
            }
            pendingWrites.clear()
        }
        let promises = pendingPromises
        pendingPromises.removeAll()
        guard let ciphertext = session.takeOutput() else {
            for promise in promises { promise.succeed() }
            return
        }
        if hasData { flushGate?.sent() }
        if promises.isEmpty {
            context.writeAndFlush(ciphertext)
        } else {
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { result in
                for promise in promises { promise.completeWith(result) }
            }
            context.writeAndFlush(ciphertext, promise: written)
        }
    }

    public func close(context: Context, promise: EventLoopPromise<Void>?) {
        if state == .open, let session {
            // Everything written goes out before close_notify, also when closing mid-delivery.
            delivering = false
            encryptAndSend(context: context)
            if state == .open {
                session.shutdown()
                sendOutput(session, context: context)
            }
        }
        state = .closed
        timer?.cancel()
        stopHolding()
        failPendingWrites(ChannelError.ioOnClosedChannel)
        context.close(promise: promise)
    }

    // MARK: Helpers

    private func sendOutput(_ session: TLSSession, context: Context) {
        if let bytes = session.takeOutput() { context.writeAndFlush(bytes) }
    }

    private func fail(_ error: TLSError, context: Context) {
        guard state != .closed else { return }
        state = .closed
        failure = error
        timer?.cancel()
        stopHolding()
        // Let the peer read the alert OpenSSL queued for it (it says why).
        if let session { sendOutput(session, context: context) }
        failPendingWrites(error)
        context.fireError(error)
        // The transport's close brings `channelInactive` through this stage to the next.
        context.close(promise: nil)
    }

    private func failPendingWrites(_ error: any Error) {
        pendingWrites.clear()
        let promises = pendingPromises
        pendingPromises.removeAll()
        for promise in promises { promise.fail(error) }
    }
}
