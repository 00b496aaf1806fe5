import DequeModule
import SwiftEV

/// A channel with an in-memory transport and a manual clock, for testing stages and whole
/// pipelines without sockets or real time (SwiftNIO's `EmbeddedChannel`, typed).
///
/// `HeadIn`/`HeadOut` are what the transport end delivers and receives — `ByteBuffer` for a
/// pipeline that will sit on a socket, or any type to test a stage in the middle of one.
/// `TailIn`/`TailOut` are what the last stage passes on and accepts.
///
/// ```swift
/// let channel = EmbeddedChannel(stage: LineFramingStage())
/// try channel.writeInbound(ByteBuffer(string: "a\nb"))
/// XCTAssertEqual(channel.readInbound(), "a")
/// try channel.writeOutbound("c")
/// XCTAssertEqual(channel.readOutbound(), ByteBuffer(string: "c\n"))
/// ```
public final class EmbeddedChannel<HeadIn, HeadOut, TailIn, TailOut> {
    public let loop: EmbeddedEventLoop
    public let channel: Channel
    private let transport: EmbeddedTransport<HeadIn, HeadOut>
    private var entry = PipelineEntry<HeadIn>.detached
    private var writer: PipelineWriter<TailOut>!
    private var inbound = Deque<TailIn>()
    private var caught: [any Error] = []
    /// User events that reached the end of the pipeline, in order.
    public private(set) var userEvents: [Any] = []

    /// Builds the pipeline with `initializer` on a new channel and activates it.
    public init(
        loop: EmbeddedEventLoop = EmbeddedEventLoop(),
        activate: Bool = true,
        _ initializer: (PipelineBuilder<HeadIn, HeadOut>) throws -> PipelineBuilder<TailIn, TailOut>
    ) rethrows {
        self.loop = loop
        self.channel = Channel(eventLoop: loop)
        self.transport = EmbeddedTransport(channel: channel)
        var tailWriter: PipelineWriter<TailOut>?
        let tail = TailNode<TailIn>()
        entry = try channel.install(transport: transport, tail: tail) { builder in
            let end = try initializer(builder)
            tailWriter = end.writer
            return end
        }
        writer = tailWriter
        tail.set(
            onRead: { [unowned self] in inbound.append($0) },
            onError: { [unowned self] in caught.append($0) },
            onUserEvent: { [unowned self] in userEvents.append($0) }
        )
        if activate { self.activate() }
    }

    /// A channel with a single stage.
    public convenience init<Stage: ChannelStage>(
        loop: EmbeddedEventLoop = EmbeddedEventLoop(),
        activate: Bool = true,
        stage: Stage
    ) where Stage.InboundIn == HeadIn, Stage.OutboundOut == HeadOut, Stage.InboundOut == TailIn, Stage.OutboundIn == TailOut {
        self.init(loop: loop, activate: activate) { $0.adding(stage) }
    }

    /// Fires `channelActive`, as a socket does once connected.
    public func activate() { channel.transportBecameActive() }

    public var isActive: Bool { channel.isActive }

    /// Delivers `data` to the first stage, then ends the read batch. Throws the first error that
    /// reached the end of the pipeline meanwhile.
    public func writeInbound(_ data: HeadIn) throws {
        entry.read(data)
        entry.readComplete()
        try throwIfErrorCaught()
    }

    /// The next message the last stage passed on, if any.
    public func readInbound() -> TailIn? { inbound.popFirst() }

    /// Every message the last stage passed on so far.
    public func readAllInbound() -> [TailIn] {
        defer { inbound.removeAll() }
        return Array(inbound)
    }

    /// Writes `data` into the last stage and flushes.
    public func writeOutbound(_ data: TailOut, promise: EventLoopPromise<Void>? = nil) throws {
        writer.writeAndFlush(data, promise: promise)
        try throwIfErrorCaught()
    }

    /// The next flushed message that reached the transport, if any.
    public func readOutbound() -> HeadOut? { transport.flushed.popFirst() }

    /// Every flushed message that reached the transport so far.
    public func readAllOutbound() -> [HeadOut] {
        defer { transport.flushed.removeAll() }
        return Array(transport.flushed)
    }

    /// While true, flushes leave writes queued, as a socket whose peer reads nothing would.
    public var holdFlushes: Bool {
        get { transport.holdFlushes }
        set { transport.holdFlushes = newValue }
    }

    /// Messages written but not flushed yet.
    public var unflushedOutboundCount: Int { transport.unflushed.count }

    /// Pretends the outbound backlog crossed a water mark.
    public func setWritable(_ writable: Bool) { channel.transportWritabilityChanged(writable) }

    /// Whether a stage paused reading (`Channel.pauseReading`). Inbound writes are delivered
    /// regardless: the test plays the peer and decides what it sends.
    public var isReadingPaused: Bool { transport.readingPaused }

    /// Whether a stage shut down the sending side (`Channel.shutdownOutput`).
    public var isOutputShutdown: Bool { transport.outputShutdown }

    /// Simulates the peer closing the connection (or a transport error when `error` is given).
    public func closeFromPeer(error: (any Error)? = nil) {
        transport.transportClose(error: error, promise: nil)
    }

    /// Closes through the pipeline, as `Channel.close()` does.
    public func close() throws {
        let future = channel.close()
        loop.run()
        if case .failure(let error)? = future.result { throw error }
    }

    /// Errors that reached the end of the pipeline and were not thrown yet.
    public func throwIfErrorCaught() throws {
        guard !caught.isEmpty else { return }
        let first = caught.removeFirst()
        throw first
    }
}

/// `EmbeddedChannel` for a pipeline that sits on bytes at its transport end.
public typealias EmbeddedByteChannel<TailIn, TailOut> = EmbeddedChannel<ByteBuffer, ByteBuffer, TailIn, TailOut>

/// Holds writes until flushed; records flushed messages for the test to read.
final class EmbeddedTransport<In, Out>: ChannelTransport {
    typealias Inbound = In
    typealias Outbound = Out

    unowned let channel: Channel
    var unflushed = Deque<(Out, EventLoopPromise<Void>?)>()
    var flushed = Deque<Out>()
    private var closed = false

    init(channel: Channel) { self.channel = channel }

    func transportWrite(_ data: Out, promise: EventLoopPromise<Void>?) {
        guard !closed, !outputShutdown else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        channel.transportQueuedWrite()
        unflushed.append((data, promise))
    }

    var holdFlushes = false
    var readingPaused = false
    var outputShutdown = false

    func transportSetReading(_ enabled: Bool) { readingPaused = !enabled }

    func transportShutdownOutput() {
        transportFlush()
        outputShutdown = true
    }

    func transportFlush() {
        guard !holdFlushes else { return }
        while let (data, promise) = unflushed.popFirst() {
            channel.transportStartedWrite()
            flushed.append(data)
            promise?.succeed()
        }
    }

    func transportClose(error: (any Error)?, promise: EventLoopPromise<Void>?) {
        guard !closed else {
            promise?.fail(ChannelError.alreadyClosed)
            return
        }
        closed = true
        let dropped = unflushed
        unflushed.removeAll()
        for (_, p) in dropped { p?.fail(error ?? ChannelError.ioOnClosedChannel) }
        if let error { channel.transportError(error) }
        channel.transportDidClose()
        promise?.succeed()
    }
}
