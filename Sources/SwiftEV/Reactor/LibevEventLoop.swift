import CLibev
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An event loop running one libev loop on its own thread.
///
/// Created by a `LibevEventLoopGroup`; channels are pinned to one loop for life. Work from
/// other threads arrives through a mutex-guarded queue and an `ev_async` wake-up (libev's one
/// thread-safe entry point); sends coalesce, so one wake-up drains the whole queue. Writes
/// flushed during an iteration are sent together just before the loop blocks again (an
/// `ev_prepare` watcher), one `writev` per channel.
///
/// With a busy-poll window (`LibevEventLoopGroup(numberOfThreads:busyPoll:)`), the loop keeps
/// polling without sleeping for that long after its last event: an `ev_idle` watcher, which
/// libev's manual describes as the way to make the loop poll instead of block.
///
/// `@unchecked Sendable`: everything but `incoming`, `state` and the immutable fields is
/// touched only on the loop thread (checked by `preconditionInEventLoop` where it matters).
public final class LibevEventLoop: EventLoop, @unchecked Sendable {
    let raw: OpaquePointer
    let index: Int
    private var threadID = pthread_t()
    private var thread = pthread_t()
    private let wakeUp = UnsafeMutablePointer<ev_async>.allocate(capacity: 1)
    private let beforeBlocking = UnsafeMutablePointer<ev_prepare>.allocate(capacity: 1)
    private let spinner = UnsafeMutablePointer<ev_idle>.allocate(capacity: 1)
    /// How long to keep polling after the last event before blocking (0: block at once).
    let busyPollNanoseconds: UInt64
    /// Set by the idle watcher: libev runs it only in an iteration in which nothing else happened.
    @exclusivity(unchecked) private var iterationWasIdle = false
    /// When the current run of idle iterations began.
    @exclusivity(unchecked) private var idleSince = Deadline.distantPast
    /// The clock, read at most once per iteration: on first use after the loop wakes.
    @exclusivity(unchecked) private var iterationNow = Deadline.now()
    /// Cleared as the last thing before the loop blocks, so the first `now` after waking reads
    /// the clock again. (An `ev_check` watcher would be too late: libev runs it after the
    /// callbacks of the iteration that woke it, which then saw the time from before the sleep.)
    @exclusivity(unchecked) private var iterationNowIsFresh = false

    private struct Incoming {
        var tasks: [@Sendable () -> Void] = []
        /// Cleared once `ev_run` has returned: other threads are refused from then on, so a
        /// steady stream of work cannot keep a loop from shutting down.
        var accepting = true
        /// While the loop thread runs the last queued tasks, it may still queue more itself.
        var finishing = false
    }
    private let incoming = Mutex(Incoming())
    private var draining: [@Sendable () -> Void] = []

    // Loop-confined; the flush lists are swapped, never mutated while iterated, so their
    // per-access exclusivity checks are skipped.
    @exclusivity(unchecked) var flushQueue: [SocketTransport] = []
    /// Stages waiting for `flushAtIterationEnd`, and the batch being run (swapped, so that
    /// neither array allocates once it has grown).
    @exclusivity(unchecked) var iterationEndQueue: [any IterationEndFlushing] = []
    @exclusivity(unchecked) var iterationEndRunning: [any IterationEndFlushing] = []
    @exclusivity(unchecked) private var flushing: [SocketTransport] = []
    /// What pipelines unlinked this iteration (`releaseWhenIdle`); freed before the loop blocks,
    /// outside every callback, so no call into a pipeline can still be running on it.
    @exclusivity(unchecked) var releasedWhenIdle: [AnyObject] = []
    var channels: [ObjectIdentifier: Channel] = [:]
    var armedTimers = TimerList()
    /// Set on the loop when the group starts shutting it down. Loop-confined.
    private(set) var shutdownRequested = false
    /// Scratch space for `writev`, shared by every channel of this loop (one thread, one user at a time).
    let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: LibevEventLoop.maxIOVecs)
    /// Linux's IOV_MAX.
    static let maxIOVecs = 1024
    /// Scratch block into which a channel copies many small writes to send them as one.
    let gatherBuffer = UnsafeMutableRawPointer.allocate(byteCount: LibevEventLoop.gatherCapacity, alignment: 16)
    static let gatherCapacity = 16 * 1024

    init(index: Int, busyPoll: TimeAmount = .zero) {
        guard let loop = ev_loop_new(ev_recommended_backends() | UInt32(EVBACKEND_EPOLL)) else {
            fatalError("libev: ev_loop_new failed (out of file descriptors?)")
        }
        self.raw = loop
        self.index = index
        self.busyPollNanoseconds = UInt64(max(0, busyPoll.nanoseconds))
        ev_set_userdata(loop, Unmanaged.passUnretained(self).toOpaque())
        swiftev_async_init(wakeUp) { loop, _, _ in LibevEventLoop.from(loop).drainIncoming() }
        swiftev_prepare_init(beforeBlocking) { loop, _, _ in
            let me = LibevEventLoop.from(loop)
            me.flushPending()
            me.releaseIdle()
            if me.busyPollNanoseconds > 0 { me.decideWhetherToPoll() }
            me.iterationNowIsFresh = false
        }
        swiftev_idle_init(spinner) { loop, _, _ in LibevEventLoop.from(loop).iterationWasIdle = true }
    }

    static func from(_ loop: OpaquePointer?) -> LibevEventLoop {
        Unmanaged<LibevEventLoop>.fromOpaque(ev_userdata(loop)!).takeUnretainedValue()
    }

    // MARK: EventLoop

    // `==`, not `pthread_equal`: the same comparison (glibc's pthread_equal is `==`) without a
    // call, for a check that `now` makes several times per command.
    public var inEventLoop: Bool { pthread_self() == threadID }

    /// On the loop: the time of this iteration, read once on first use after the loop woke (in
    /// the spirit of libev's `ev_now`, which its manual recommends for timeouts), so a thousand
    /// commands sent in one iteration cost one clock read. Elsewhere: the monotonic clock.
    ///
    /// Reading it also brings libev's own cached time up to date (`ev_now_update`), so the two
    /// agree for the rest of the iteration: timers measure their delay from this value, exactly
    /// as libev does, and so fire in deadline order however busy the iteration is.
    public var now: Deadline {
        guard inEventLoop else { return Deadline.now() }
        if !iterationNowIsFresh {
            ev_now_update(raw)
            iterationNow = Deadline.now()
            iterationNowIsFresh = true
        }
        return iterationNow
    }

    public func tryExecute(_ task: @escaping @Sendable () -> Void) -> Bool {
        incoming.withLock { state -> Bool in
            guard state.accepting || (state.finishing && inEventLoop) else { return false }
            let wasEmpty = state.tasks.isEmpty
            state.tasks.append(task)
            // The wake-up is sent inside the lock: `finish` stops accepting under this lock
            // before `join` may destroy the loop, so no sender can still be on its way to a
            // freed watcher. Only the task that finds the queue empty wakes the loop; the
            // drain that takes the queue will take the tasks queued after it too.
            if wasEmpty { ev_async_send(raw, wakeUp) }
            return true
        }
    }

    public func makeTimer(_ handler: @escaping () -> Void) -> any LoopTimer {
        preconditionInEventLoop()
        return LibevTimer(loop: self, handler: handler)
    }

    // MARK: Thread

    /// Starts the loop thread and returns once it runs.
    func start() {
        let started = Semaphore()
        let context = Unmanaged.passRetained(ThreadStart(loop: self, started: started)).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let start = Unmanaged<ThreadStart>.fromOpaque(arg!).takeRetainedValue()
            start.loop.run(started: start.started)
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        started.wait()
    }

    private func run(started: Semaphore) {
        threadID = pthread_self()
        swiftev_set_thread_name("swiftev-loop-\(index)")
        ev_async_start(raw, wakeUp)
        ev_prepare_start(raw, beforeBlocking)
        started.signal()
        ev_run(raw, 0)
        finish()
    }

    /// Asks the loop to stop: closes its channels, then leaves `ev_run`. Called on the loop.
    func requestShutdown() {
        preconditionInEventLoop()
        shutdownRequested = true
        for channel in Array(channels.values) { channel.close() }
        flushPending()
        ev_break(raw, Int32(EVBREAK_ALL))
    }

    /// After `ev_run` returns: runs what is still queued, fails armed timers, frees libev state.
    private func finish() {
        incoming.withLock { state in
            state.accepting = false
            state.finishing = true
        }
        while true {
            let more = incoming.withLock { state -> Bool in
                if state.tasks.isEmpty { state.finishing = false; return false }
                return true
            }
            if !more { break }
            drainIncoming()
            flushPending()
            releaseIdle()
        }
        armedTimers.shutDownAll()
        releaseIdle()
        ev_async_stop(raw, wakeUp)
        ev_prepare_stop(raw, beforeBlocking)
        ev_idle_stop(raw, spinner)
    }

    /// Joins the loop thread. Called from the group after `requestShutdown`.
    func join() {
        pthread_join(thread, nil)
        ev_loop_destroy(raw)
        wakeUp.deallocate()
        beforeBlocking.deallocate()
        spinner.deallocate()
        iovecs.deallocate()
        gatherBuffer.deallocate()
    }

    // MARK: Callbacks

    private func drainIncoming() {
        incoming.withLock { state in swap(&state.tasks, &draining) }
        for task in draining { task() }
        draining.removeAll(keepingCapacity: true)
    }

    /// Whether the loop is polling instead of blocking right now. Loop-confined; for tests.
    var isBusyPolling: Bool { swiftev_is_active(spinner) != 0 }

    /// Busy-polling: after an iteration with events, (re)start the idle watcher so the next
    /// wait does not block; once idle iterations have lasted the whole window, stop it and sleep.
    private func decideWhetherToPoll() {
        if !iterationWasIdle {
            idleSince = now
            ev_idle_start(raw, spinner)
        } else if Deadline.now().uptimeNanoseconds &- idleSince.uptimeNanoseconds >= busyPollNanoseconds {
            ev_idle_stop(raw, spinner)
        }
        iterationWasIdle = false
    }

    /// Frees what `releaseWhenIdle` kept. Only where no callback is running.
    private func releaseIdle() {
        guard !releasedWhenIdle.isEmpty else { return }
        // Swapped out first: a deinit that unlinks more adds to the next batch.
        var batch: [AnyObject] = []
        swap(&batch, &releasedWhenIdle)
        batch.removeAll()
    }

    public func flushAtIterationEnd(_ flusher: any IterationEndFlushing) {
        iterationEndQueue.append(flusher)
    }

    /// Runs the stages' iteration-end flushes, then sends every flushed channel's backlog, once
    /// per loop iteration (a stage's flush queues its transport, which goes out in the same pass).
    func flushPending() {
        while !flushQueue.isEmpty || !iterationEndQueue.isEmpty {
            if !iterationEndQueue.isEmpty {
                swap(&iterationEndQueue, &iterationEndRunning)
                // By index: a for-in iterator holds a second reference to the array, and while
                // it lives (to the end of the scope in a debug build) `removeAll(keepingCapacity:)`
                // finds the buffer shared and allocates a new one, once per iteration.
                for index in iterationEndRunning.indices { iterationEndRunning[index].flushAtIterationEnd() }
                iterationEndRunning.removeAll(keepingCapacity: true)
            }
            swap(&flushQueue, &flushing)
            for index in flushing.indices { flushing[index].flushNow() }
            flushing.removeAll(keepingCapacity: true)
        }
    }
}

private final class ThreadStart {
    let loop: LibevEventLoop
    let started: Semaphore
    init(loop: LibevEventLoop, started: Semaphore) {
        self.loop = loop
        self.started = started
    }
}
