import CLibev
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Listens for TCP connections and gives each one its own pipeline, on the group's loops.
///
/// ```swift
/// let server = try await TCPServer(group: group).bind(host: "127.0.0.1", port: 0) { pipeline in
///     pipeline.adding(EchoStage())
/// }.get()
/// print("listening on", server.localAddress!)   // port 0 picks a free port
/// try await server.close().get()
/// ```
public struct TCPServer: Sendable {
    private let group: LibevEventLoopGroup
    /// Options for each accepted connection.
    public var childOptions = ChannelOptions()
    /// The kernel's queue of connections not yet accepted.
    public var backlog: Int32 = 256
    /// Sets `SO_REUSEPORT`: several listeners (one per loop, see `bind(host:port:on:childPipeline:)`)
    /// share one port and the kernel spreads new connections over them.
    public var reusePort = false

    public init(group: LibevEventLoopGroup) {
        self.group = group
    }

    /// Binds and listens (SO_REUSEADDR set). The returned channel is the listener: close it to
    /// stop accepting; connections already accepted stay open.
    public func bind<In, Out>(
        host: String,
        port: Int,
        childPipeline: @escaping @Sendable (PipelineBuilder<ByteBuffer, ByteBuffer>) throws -> PipelineBuilder<In, Out>
    ) -> EventLoopFuture<Channel> {
        bind(host: host, port: port, listenerLoop: group.next(), pinned: false, childPipeline: childPipeline)
    }

    /// Binds a listener on `loop` whose connections all stay on `loop`: with `reusePort`, one
    /// listener per loop of the group on the same port makes share-nothing servers (each loop
    /// accepts and serves its own connections; no hand-over between threads).
    ///
    /// ```swift
    /// var server = TCPServer(group: group)
    /// server.reusePort = true
    /// let listeners = try group.loops.map { try server.bind(host: "127.0.0.1", port: 8080, on: $0) { $0 }.wait() }
    /// ```
    public func bind<In, Out>(
        host: String,
        port: Int,
        on loop: LibevEventLoop,
        childPipeline: @escaping @Sendable (PipelineBuilder<ByteBuffer, ByteBuffer>) throws -> PipelineBuilder<In, Out>
    ) -> EventLoopFuture<Channel> {
        bind(host: host, port: port, listenerLoop: loop, pinned: true, childPipeline: childPipeline)
    }

    private func bind<In, Out>(
        host: String,
        port: Int,
        listenerLoop loop: LibevEventLoop,
        pinned: Bool,
        childPipeline: @escaping @Sendable (PipelineBuilder<ByteBuffer, ByteBuffer>) throws -> PipelineBuilder<In, Out>
    ) -> EventLoopFuture<Channel> {
        let group = self.group
        let reusePort = self.reusePort
        let options = childOptions
        let backlog = self.backlog
        return loop.submit {
            let address = try SocketAddress(ip: host, port: port)
            let name = address.description
            let fd = try Sockets.make(family: address.family, address: name)
            Sockets.setOption(fd, SOL_SOCKET, SO_REUSEADDR)
            if reusePort { Sockets.setOption(fd, SOL_SOCKET, SO_REUSEPORT) }
            if address.family == AF_INET6 { Sockets.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY) }
            guard address.withSockAddr({ Glibc.bind(fd, $0, $1) }) == 0, listen(fd, backlog) == 0 else {
                let code = errno
                _ = close(fd)
                throw SocketError(errno: code, call: "bind", address: name)
            }
            let channel = Channel(eventLoop: loop)
            let listener = Listener(loop: loop, channel: channel, fd: fd, group: group, pinned: pinned, logger: options.logger) { childFD, childLoop, peer in
                let handedOver = childLoop.tryExecute {
                    // A loop that is shutting down has closed its channels and will not close
                    // one adopted now: refuse the connection rather than leak its descriptor.
                    guard !childLoop.shutdownRequested else {
                        _ = close(childFD)
                        return
                    }
                    do {
                        _ = try SocketChannels.adopt(fd: childFD, on: childLoop, peerName: peer, options: options, pipeline: childPipeline)
                    } catch {
                        options.logger.warning("connection from \(peer) refused: its pipeline could not be built: \(error)")
                    }
                }
                if !handedOver { _ = close(childFD) }
            }
            _ = channel.install(transport: listener) { $0 }
            channel.localAddress = Sockets.localAddress(fd)
            loop.channels[ObjectIdentifier(channel)] = channel
            listener.start()
            return channel
        }
    }
}

/// The listening socket's transport: accepts connections and hands each to a loop of the group.
final class Listener: ChannelTransport {
    typealias Inbound = Never
    typealias Outbound = Never

    private unowned let loop: LibevEventLoop
    private unowned(unsafe) let channel: Channel
    private let group: LibevEventLoopGroup
    /// Accepted connections stay on `loop` instead of going round the group.
    private let pinned: Bool
    private var fd: Int32
    private let watcher = UnsafeMutablePointer<ev_io>.allocate(capacity: 1)
    private let accepted: @Sendable (Int32, LibevEventLoop, String) -> Void
    private var backoff: (any LoopTimer)?
    private let logger: Logger

    init(loop: LibevEventLoop, channel: Channel, fd: Int32, group: LibevEventLoopGroup, pinned: Bool = false, logger: Logger,
         accepted: @escaping @Sendable (Int32, LibevEventLoop, String) -> Void) {
        self.logger = logger
        self.loop = loop
        self.channel = channel
        self.fd = fd
        self.group = group
        self.pinned = pinned
        self.accepted = accepted
        swiftev_io_init(watcher, { _, w, _ in
            Unmanaged<Listener>.fromOpaque(w!.pointee.data).takeUnretainedValue().acceptAll()
        }, fd, swiftev_ev_read())
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit { watcher.deallocate() }

    func start() {
        ev_io_start(loop.raw, watcher)
        channel.transportBecameActive()
    }

    private func acceptAll() {
        while fd >= 0 {
            let child = swiftev_accept(fd)
            if child >= 0 {
                let peer = Sockets.remoteAddress(child)?.description ?? "unknown peer"
                accepted(child, pinned ? loop : group.next(), peer)
                continue
            }
            let code = errno
            switch code {
            case EINTR, ECONNABORTED: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors: stop accepting for a moment instead of spinning on a ready socket.
                logger.warning("accept failed: \(String(cString: strerror(code))); pausing accepts for 100 ms")
                ev_io_stop(loop.raw, watcher)
                let timer = backoff ?? loop.makeTimer { [unowned self] in
                    if self.fd >= 0 { ev_io_start(self.loop.raw, self.watcher) }
                }
                backoff = timer
                timer.arm(at: loop.now + .milliseconds(100))
                return
            default:
                return
            }
        }
    }

    func transportWrite(_ data: Never, promise: EventLoopPromise<Void>?) {}
    func transportFlush() {}

    func transportClose(error: (any Error)?, promise: EventLoopPromise<Void>?) {
        guard fd >= 0 else {
            promise?.fail(ChannelError.alreadyClosed)
            return
        }
        ev_io_stop(loop.raw, watcher)
        backoff?.cancel()
        _ = close(fd)
        fd = -1
        let channel = self.channel
        withExtendedLifetime((channel, self)) {
            channel.transportDidClose()
            loop.channels[ObjectIdentifier(channel)] = nil
            promise?.succeed()
        }
    }
}
