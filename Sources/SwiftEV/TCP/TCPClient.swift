/// Opens TCP connections on a loop group, each with its own pipeline.
///
/// ```swift
/// let client = TCPClient(group: group)
/// let channel = try await client.connect(host: "localhost", port: 7000) { pipeline in
///     pipeline.adding(LineFramingStage()).adding(PrintLinesStage())
/// }.get()
/// ```
///
/// Names are resolved off the loop; every address is tried in turn within `connectTimeout`.
/// Failures are `SocketError`s that name `host:port` (refused, timed out, unresolvable, …).
public struct TCPClient: Sendable {
    private let pickLoop: @Sendable () -> LibevEventLoop
    public var options = ChannelOptions()
    /// Covers resolution and every connect attempt together. Default 10 s.
    public var connectTimeout: TimeAmount = .seconds(10)

    /// Connections spread over the group's loops, round-robin.
    public init(group: LibevEventLoopGroup) {
        self.pickLoop = { group.next() }
    }

    /// Every connection on `loop` (for code that already runs there, like a server's stage).
    public init(loop: LibevEventLoop) {
        self.pickLoop = { loop }
    }

    /// Connects to `host:port` and installs the pipeline built by `pipeline` (run on the channel's
    /// loop, once connected, before `channelActive`). Callable from any thread.
    public func connect<In, Out>(
        host: String,
        port: Int,
        pipeline: @escaping @Sendable (PipelineBuilder<ByteBuffer, ByteBuffer>) throws -> PipelineBuilder<In, Out>
    ) -> EventLoopFuture<Channel> {
        let loop = pickLoop()
        let promise = loop.makePromise(of: Channel.self)
        let client = self
        let start: @Sendable () -> Void = {
            promise.completeWith(client.connect(on: loop, host: host, port: port, pipeline: pipeline))
        }
        if !loop.tryExecute(start) { promise.fail(EventLoopError.shutDown) }
        return promise.futureResult
    }

    /// The loop-local form, for code already running on `loop` (a stage, a service on the
    /// loop): `pipeline` may capture loop-confined state such as stages created beforehand.
    /// Must be called on `loop`.
    ///
    /// ```swift
    /// let stage = MyStage()   // keep a handle on it
    /// client.connect(on: loop, host: "127.0.0.1", port: 7000) { $0.adding(stage) }
    /// ```
    public func connect<In, Out>(
        on loop: LibevEventLoop,
        host: String,
        port: Int,
        pipeline: @escaping (PipelineBuilder<ByteBuffer, ByteBuffer>) throws -> PipelineBuilder<In, Out>
    ) -> EventLoopFuture<Channel> {
        loop.preconditionInEventLoop()
        let promise = loop.makePromise(of: Channel.self)
        let options = self.options
        let deadline = loop.now + connectTimeout
        let peer = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let attempt = ConnectAttempt(loop: loop, peerName: peer, deadline: deadline)
        attempt.futureResult.whenComplete { connected in
            switch connected {
            case .failure(let error):
                promise.fail(error)
            case .success(let fd):
                promise.completeWith(Result {
                    try SocketChannels.adopt(fd: fd, on: loop, peerName: peer, options: options, pipeline: pipeline)
                })
            }
        }
        Resolver.resolve(host: host, port: port, on: loop).whenComplete { resolved in
            switch resolved {
            case .failure(let error): attempt.fail(error)
            case .success(let addresses): attempt.start(addresses: addresses)
            }
        }
        return promise.futureResult
    }
}

enum SocketChannels {
    /// Wraps a connected socket in a channel on `loop`: builds its pipeline, registers it with
    /// the loop (which keeps it alive until it closes) and fires `channelActive`.
    static func adopt<In, Out>(
        fd: Int32,
        on loop: LibevEventLoop,
        peerName: String,
        options: ChannelOptions,
        pipeline: (PipelineBuilder<ByteBuffer, ByteBuffer>) throws -> PipelineBuilder<In, Out>
    ) throws -> Channel {
        let channel = Channel(eventLoop: loop)
        let transport = SocketTransport(loop: loop, channel: channel, fd: fd, peerName: peerName, options: options)
        let logger = options.logger
        let tail = TailNode<In>(onError: { error in
            logger.debug("error reached the end of the pipeline unhandled", metadata: ["peer": "\(peerName)", "error": "\(error)"])
        })
        do {
            transport.entry = try channel.install(transport: transport, tail: tail, pipeline)
        } catch {
            transport.transportClose(error: nil, promise: nil)
            throw error
        }
        loop.channels[ObjectIdentifier(channel)] = channel
        transport.becomeActive()
        return channel
    }
}
