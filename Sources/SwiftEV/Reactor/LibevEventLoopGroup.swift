import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fixed set of `LibevEventLoop`s, one thread each; `next()` hands them out round-robin.
///
/// ```swift
/// let group = LibevEventLoopGroup()              // one loop per core
/// defer { try? group.syncShutdown() }
/// let loop = group.next()
/// ```
///
/// Shut it down once, from outside its loops: every channel is closed, queued work runs,
/// scheduled tasks fail with `EventLoopError.shutDown`, and the threads are joined.
public final class LibevEventLoopGroup: Sendable {
    public let loops: [LibevEventLoop]
    private let cursor = Atomic<Int>(0)
    private let shutDown = Atomic<Bool>(false)

    /// Starts `numberOfThreads` loops (default: the number of cores).
    ///
    /// - Parameter busyPoll: how long a loop keeps polling for events, without sleeping, after
    ///   its last one (default zero: it blocks at once). A reply that arrives within the window
    ///   is handled without the wake-up of a sleeping thread, which costs tens of microseconds on
    ///   virtual machines; the price is a core kept busy while traffic lasts. Worth it for a
    ///   latency-bound client with a core to spare:
    ///
    /// ```swift
    /// let group = LibevEventLoopGroup(numberOfThreads: 1, busyPoll: .microseconds(200))
    /// ```
    public init(numberOfThreads: Int = LibevEventLoopGroup.coreCount, busyPoll: TimeAmount = .zero) {
        precondition(numberOfThreads > 0, "LibevEventLoopGroup needs at least one thread")
        precondition(busyPoll >= .zero, "busyPoll cannot be negative")
        ignoreSIGPIPE()
        loops = (0..<numberOfThreads).map { LibevEventLoop(index: $0, busyPoll: busyPoll) }
        for loop in loops { loop.start() }
    }

    /// The number of online cores.
    public static var coreCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The next loop, round-robin.
    public func next() -> LibevEventLoop {
        loops[cursor.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// Whether `loop` belongs to this group.
    public func contains(_ loop: any EventLoop) -> Bool {
        loops.contains { $0 === loop }
    }

    /// Closes every channel, runs queued work, fails pending scheduled tasks and joins the threads.
    /// Throws `alreadyShutDown` the second time, and `calledOnEventLoop` from one of its loops.
    public func syncShutdown() throws {
        if loops.contains(where: { $0.inEventLoop }) {
            throw EventLoopError.calledOnEventLoop("LibevEventLoopGroup.syncShutdown()")
        }
        guard shutDown.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw EventLoopError.alreadyShutDown
        }
        for loop in loops {
            _ = loop.tryExecute { loop.requestShutdown() }
        }
        for loop in loops { loop.join() }
    }

    /// `syncShutdown` without blocking a task's thread.
    public func shutdownGracefully() async throws {
        if loops.contains(where: { $0.inEventLoop }) {
            throw EventLoopError.calledOnEventLoop("LibevEventLoopGroup.shutdownGracefully()")
        }
        let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
            let thread = DetachedThread { continuation.resume(returning: Result { try self.syncShutdown() }) }
            thread.start()
        }
        try result.get()
    }
}

/// Writing to a socket whose peer has gone raises SIGPIPE, which kills the process by default.
/// Sends already use MSG_NOSIGNAL; this also covers anything else in the process that writes.
private func ignoreSIGPIPE() {
    signal(SIGPIPE, SIG_IGN)
}

/// A thread that runs one closure and exits; for blocking work that must stay off the loops.
final class DetachedThread: Sendable {
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let me = Unmanaged<DetachedThread>.fromOpaque(arg!).takeRetainedValue()
            me.body()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
    }
}
