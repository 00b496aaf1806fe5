import Synchronization

/// A connection (or an in-memory stand-in): a transport plus a pipeline of stages, pinned to
/// one event loop for life.
///
/// ```swift
/// let channel = try await TCPClient(group: group)
///     .connect(host: "127.0.0.1", port: 6379) { $0.adding(MyStage()) }
///     .get()
/// try await channel.close().get()
/// ```
///
/// `@unchecked Sendable`: the pipeline and the transport are touched only on `eventLoop`; the
/// public methods callable from other threads (`close`, `triggerUserEvent`) hop to the loop
/// first. The state other threads may read (`isActive`, `isWritable`, `isClosed`, the write
/// counters, `deferredFlushLimit`) is kept in atomics, written on the loop only.
public final class Channel: @unchecked Sendable {
    public let eventLoop: any EventLoop
    var pipeline = ChannelPipeline.empty
    /// Owns the transport; stages and the transport itself refer to it without owning it.
    private var transport: (any ChannelTransport)?
    private let closePromise: EventLoopPromise<Void>
    // Written on the loop only; read from any thread. Acquire/release so a thread that sees
    // the channel closed also sees what the loop did before closing it.
    private let writable = Atomic<Bool>(true)
    private let active = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)
    // Monotonic counters with a single writer (the loop): relaxed, a plain load or store on
    // the hot path. See `outboundWritesQueued`.
    @usableFromInline let writesQueued = Atomic<UInt64>(0)
    @usableFromInline let writesStarted = Atomic<UInt64>(0)
    @usableFromInline let flushLimit = Atomic<Int>(Int.max)

    /// The address of this end, for socket channels.
    public internal(set) var localAddress: SocketAddress?
    /// The address of the peer, for socket channels.
    public internal(set) var remoteAddress: SocketAddress?

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.closePromise = EventLoopPromise(eventLoop: eventLoop)
    }

    /// Succeeds once the channel has closed and its stages were removed.
    public var closeFuture: EventLoopFuture<Void> { closePromise.futureResult }

    /// Whether the channel is connected. Callable from any thread (off the loop it is a snapshot).
    public var isActive: Bool { active.load(ordering: .acquiring) }

    /// Whether the outbound backlog is below its high water mark. A producer should pause
    /// when this turns false and resume on `channelWritabilityChanged`. Callable from any
    /// thread (off the loop it is a snapshot).
    public var isWritable: Bool { writable.load(ordering: .acquiring) }

    /// Bytes written and not yet taken by the kernel: the user-space backlog that the water marks
    /// bound. Must be called on the loop.
    public var bufferedOutboundBytes: Int {
        eventLoop.preconditionInEventLoop()
        return isClosed ? 0 : transport?.bufferedOutboundBytes ?? 0
    }

    /// How many writes the transport has accepted since the channel opened (monotonic).
    ///
    /// Read it right after `context.write(…)` and you have that write's ticket; compare tickets
    /// with `outboundWritesStarted` to learn, without a promise per write, whether a write had
    /// begun to leave when the connection was lost (its effect on the peer is then unknown) or
    /// had not (safe to send again elsewhere). Valid when the stages between you and the
    /// transport pass each write straight through. Callable from any thread (a snapshot off the
    /// loop); still readable after close.
    @inlinable public var outboundWritesQueued: UInt64 { writesQueued.load(ordering: .relaxed) }

    /// How many writes have had at least one byte handed to the kernel (monotonic). Callable
    /// from any thread (a snapshot off the loop); a write once counted here stays counted, even
    /// after close.
    @inlinable public var outboundWritesStarted: UInt64 { writesStarted.load(ordering: .relaxed) }

    /// Flushed bytes waiting to be sent at which a flush goes out at once instead of at the end
    /// of the loop iteration (`ChannelOptions.deferredFlushLimit` sets the initial value).
    ///
    /// Deferring lets everything one iteration writes leave in one system call. A stage that
    /// streams requests to a peer that works in parallel (a pipelining client) can lower it
    /// while a large window is in flight, so the peer starts on the first part while this side
    /// still produces the rest. Callable from any thread; the transport reads it at each flush.
    @inlinable public var deferredFlushLimit: Int {
        get { flushLimit.load(ordering: .relaxed) }
        set { flushLimit.store(newValue, ordering: .relaxed) }
    }

    /// Names of the installed stages, in inbound order. Must be called on the loop (from
    /// elsewhere: `channel.eventLoop.submit { channel.stageNames }`).
    public var stageNames: [String] {
        eventLoop.preconditionInEventLoop()
        return pipeline.stageNames
    }

    /// Closes the channel through its pipeline (every stage sees the close). Callable from any thread.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let promise = EventLoopPromise<Void>(eventLoop: eventLoop)
        if eventLoop.inEventLoop {
            closeOnLoop(promise: promise)
        } else {
            eventLoop.execute { self.closeOnLoop(promise: promise) }
        }
        return promise.futureResult
    }

    private func closeOnLoop(promise: EventLoopPromise<Void>) {
        if isClosed {
            promise.fail(ChannelError.alreadyClosed)
        } else {
            pipeline.last.invokeClose(promise: promise)
        }
    }

    /// Sends a user event into the pipeline from its first stage. Callable from any thread.
    public func triggerUserEvent(_ event: any Sendable) {
        if eventLoop.inEventLoop {
            pipeline.first.invokeUserEvent(event)
        } else {
            eventLoop.execute { self.pipeline.first.invokeUserEvent(event) }
        }
    }

    /// Whether `pauseReading()` is in effect. Loop-confined.
    public private(set) var isReadingPaused = false

    /// Stops reading from the peer until `resumeReading()`: what it sends waits in the kernel,
    /// whose full buffer makes TCP slow the peer down. For a stage with more work queued than
    /// it wants to hold (a server with many pipelined requests unanswered). Loop-confined.
    ///
    /// ```swift
    /// if pending.count >= limit { context.channel.pauseReading() }
    /// // … once answers went out:
    /// context.channel.resumeReading()
    /// ```
    public func pauseReading() {
        eventLoop.preconditionInEventLoop()
        guard !isReadingPaused, !isClosed else { return }
        isReadingPaused = true
        transport?.transportSetReading(false)
    }

    /// Reads again after `pauseReading()`. Loop-confined.
    public func resumeReading() {
        eventLoop.preconditionInEventLoop()
        guard isReadingPaused, !isClosed else { return }
        isReadingPaused = false
        transport?.transportSetReading(true)
    }

    /// Ends the sending side once everything written so far has left (TCP: a FIN after the
    /// data), while the channel goes on reading. A server ends a connection this way after its
    /// last answer: closing outright with requests of the peer still unread would send a reset,
    /// which can destroy the answer before the peer reads it. Writes after it fail. Bypasses
    /// the stages (a TLS stage's close_notify is not sent). Loop-confined.
    public func shutdownOutput() {
        eventLoop.preconditionInEventLoop()
        guard !isClosed else { return }
        transport?.transportShutdownOutput()
    }

    /// Asks every stage to flush. Loop-confined.
    public func flush() {
        eventLoop.preconditionInEventLoop()
        pipeline.last.invokeFlush()
    }

    // MARK: Called by transports

    /// Installs the stages built by `initializer` between `transport` and a tail, and returns the
    /// node the transport must deliver inbound messages to. Call once, on the loop.
    public func install<Transport: ChannelTransport, In, Out>(
        transport: Transport,
        tail: TailNode<In> = TailNode(),
        _ initializer: (PipelineBuilder<Transport.Inbound, Transport.Outbound>) throws -> PipelineBuilder<In, Out>
    ) rethrows -> PipelineEntry<Transport.Inbound> {
        eventLoop.preconditionInEventLoop()
        self.transport = transport
        return PipelineEntry(point: try installPipeline(transport: transport, tail: tail, initializer))
    }

    /// The transport is connected: fires `channelActive`.
    public func transportBecameActive() {
        guard !isActive, !isClosed else { return }
        active.store(true, ordering: .releasing)
        pipeline.first.invokeActive()
    }

    /// The transport's backlog crossed a water mark.
    public func transportWritabilityChanged(_ isWritable: Bool) {
        guard self.isWritable != isWritable else { return }
        writable.store(isWritable, ordering: .releasing)
        pipeline.first.invokeWritabilityChanged()
    }

    /// The transport accepted one more write (counted in `outboundWritesQueued`). Loop only.
    @inlinable public func transportQueuedWrite() {
        writesQueued.store(writesQueued.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    /// The transport handed the first byte of one more write to the peer or the kernel
    /// (counted in `outboundWritesStarted`; call it once per write). Loop only.
    @inlinable public func transportStartedWrite() {
        writesStarted.store(writesStarted.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    /// Reports an error to the stages (`errorCaught`), without closing.
    public func transportError(_ error: any Error) {
        pipeline.first.invokeError(error)
    }

    /// The transport has closed (its resources are released): fires `channelInactive`,
    /// removes every stage and completes `closeFuture`. Idempotent.
    public func transportDidClose() {
        guard !isClosed else { return }
        closed.store(true, ordering: .releasing)
        let wasActive = isActive
        active.store(false, ordering: .releasing)
        if wasActive { pipeline.first.invokeInactive() }
        releaseWhenIdle(pipeline.tearDown())
        closePromise.succeed()
    }

    /// Frees `objects` once the loop is between events: the pipeline calls its stages and nodes
    /// without references of its own, so what it unlinks may still be running (see `StageContext`).
    func releaseWhenIdle(_ objects: [AnyObject]) {
        eventLoop.releaseWhenIdle(objects)
    }

    deinit {
        // A channel freed while open (never closed) from inside one of its own stages' calls:
        // its stages must outlive that call too. Off the loop no call can be running.
        if !pipeline.isEmpty && eventLoop.inEventLoop { releaseWhenIdle([pipeline]) }
    }

    /// The socket's descriptor, for a socket channel that is open (tests and diagnostics). Loop-confined.
    var socketDescriptor: Int32? {
        guard let socket = transport as? SocketTransport, socket.fd >= 0 else { return nil }
        return socket.fd
    }

    /// Whether `transportDidClose` has run. Callable from any thread.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }
}

/// Where a transport delivers inbound messages: the pipeline's first stage (or its tail).
public struct PipelineEntry<Inbound> {
    @usableFromInline let point: PipelineEntryPoint<Inbound>

    /// Delivers one message to the first stage.
    @inlinable public func read(_ data: Inbound) { point.node.invokeRead(data) }
    /// Ends a batch of reads.
    public func readComplete() { point.node.invokeReadComplete() }
    /// A pipeline entry that drops everything (before a pipeline is installed, or after close).
    public static var detached: PipelineEntry<Inbound> { PipelineEntry(point: PipelineEntryPoint(node: DetachedNode<Inbound>())) }
}

/// The transport's link to the first stage, shared with the builder so it can be re-pointed
/// when that stage removes itself.
public final class PipelineEntryPoint<Inbound> {
    @exclusivity(unchecked) @usableFromInline var node: any InboundNode<Inbound>
    init(node: any InboundNode<Inbound>) { self.node = node }
}
