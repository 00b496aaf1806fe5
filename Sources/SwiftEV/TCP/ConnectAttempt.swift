import CLibev
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Connects a non-blocking socket to each address in turn until one accepts, within one
/// overall deadline that also covers name resolution. Produces the connected file descriptor.
/// A loop shutting down meanwhile fails it with `EventLoopError.shutDown`. Loop-confined.
final class ConnectAttempt {
    private unowned let loop: LibevEventLoop
    private var addresses: ArraySlice<SocketAddress> = []
    private let peerName: String
    private let promise: EventLoopPromise<Int32>
    private let watcher = UnsafeMutablePointer<ev_io>.allocate(capacity: 1)
    private var timer: (any LoopTimer)?
    private var fd: Int32 = -1
    private var lastError: SocketError?
    private var retainedWhileWaiting: ConnectAttempt?

    init(loop: LibevEventLoop, peerName: String, deadline: Deadline) {
        self.loop = loop
        self.peerName = peerName
        self.promise = loop.makePromise()
        swiftev_io_init(watcher, { _, w, _ in
            Unmanaged<ConnectAttempt>.fromOpaque(w!.pointee.data).takeUnretainedValue().writable()
        }, 0, swiftev_ev_write())
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        let timer = loop.makeTimer { [unowned self] in
            self.finish(.failure(SocketError(kind: .connectTimeout, address: peerName)))
        }
        timer.onShutdown = { [unowned self] in self.finish(.failure(EventLoopError.shutDown)) }
        timer.arm(at: deadline)
        self.timer = timer
        retainedWhileWaiting = self
    }

    deinit { watcher.deallocate() }

    var futureResult: EventLoopFuture<Int32> { promise.futureResult }

    /// Resolution is done: try the addresses in turn (ignored if the attempt already ended).
    func start(addresses: [SocketAddress]) {
        guard retainedWhileWaiting != nil else { return }
        self.addresses = addresses[...]
        tryNext()
    }

    /// Resolution failed.
    func fail(_ error: any Error) {
        finish(.failure(error))
    }

    private func tryNext() {
        guard let address = addresses.popFirst() else {
            finish(.failure(lastError ?? SocketError(kind: .resolutionFailed("no address to connect to"), address: peerName)))
            return
        }
        do {
            fd = try Sockets.make(family: address.family, address: peerName)
        } catch {
            lastError = error as? SocketError
            tryNext()
            return
        }
        let rc = address.withSockAddr { connect(fd, $0, $1) }
        if rc == 0 {
            finish(.success(fd))
        } else if errno == EINPROGRESS {
            swiftev_io_set(watcher, fd, swiftev_ev_write())
            ev_io_start(loop.raw, watcher)
        } else {
            failCurrent(errno)
        }
    }

    private func writable() {
        ev_io_stop(loop.raw, watcher)
        let code = Sockets.pendingError(fd)
        if code == 0 { finish(.success(fd)) } else { failCurrent(code) }
    }

    private func failCurrent(_ code: Int32) {
        lastError = SocketError(errno: code, call: "connect", address: peerName)
        _ = close(fd)
        fd = -1
        tryNext()
    }

    private func finish(_ result: Result<Int32, any Error>) {
        guard retainedWhileWaiting != nil else { return }
        ev_io_stop(loop.raw, watcher)
        timer?.cancel()
        timer = nil
        if case .failure = result, fd >= 0 {
            _ = close(fd)
            fd = -1
        }
        let me = retainedWhileWaiting
        retainedWhileWaiting = nil
        withExtendedLifetime(me) { promise.completeWith(result) }
    }
}
