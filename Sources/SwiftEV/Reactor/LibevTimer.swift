import CLibev

/// A `LoopTimer` on one `ev_timer` watcher, re-armed with `ev_timer_again`.
///
/// While armed it is linked into its loop's `TimerList`, which keeps it alive (a caller may drop
/// its reference to a scheduled task) and lets shutdown fail what never fired.
final class LibevTimer: LoopTimer {
    unowned let loop: LibevEventLoop
    private let watcher = UnsafeMutablePointer<ev_timer>.allocate(capacity: 1)
    private let handler: () -> Void
    private var deadline = Deadline.distantPast
    var onShutdown: (() -> Void)?
    // Intrusive links in the loop's list of armed timers.
    var nextArmed: LibevTimer?
    unowned(unsafe) var previousArmed: LibevTimer?
    private(set) var isArmed = false

    init(loop: LibevEventLoop, handler: @escaping () -> Void) {
        self.loop = loop
        self.handler = handler
        swiftev_timer_init(watcher, { _, w, _ in
            Unmanaged<LibevTimer>.fromOpaque(w!.pointee.data).takeUnretainedValue().fired()
        }, 0, 0)
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    func arm(at deadline: Deadline) {
        loop.preconditionInEventLoop()
        self.deadline = deadline
        if !isArmed {
            isArmed = true
            loop.armedTimers.insert(self)
        }
        start()
    }

    private func start() {
        // libev counts the delay from the time it cached for this iteration, not from the
        // clock: measure it from `loop.now`, which is that same time (see `LibevEventLoop.now`).
        // Every timer then expires at its deadline on one clock, so they fire in deadline order.
        let delay = deadline - loop.now
        // ev_timer_again restarts an active timer in place, the cheap way to move a deadline.
        swiftev_timer_set_repeat(watcher, min(max(delay.seconds, 0.000_001), 1e9))
        ev_timer_again(loop.raw, watcher)
    }

    func cancel() {
        guard isArmed else { return }
        ev_timer_stop(loop.raw, watcher)
        disarm()
    }

    private func fired() {
        // Rounding (libev keeps time as a double) can make a timer fire a hair early.
        if deadline > loop.now {
            start()
            return
        }
        ev_timer_stop(loop.raw, watcher)
        withExtendedLifetime(self) {
            disarm()
            handler()
        }
    }

    private func disarm() {
        isArmed = false
        loop.armedTimers.remove(self)
    }

    /// The loop is shutting down while this timer is armed.
    func shutDown() {
        ev_timer_stop(loop.raw, watcher)
        isArmed = false
        let callback = onShutdown
        onShutdown = nil
        callback?()
    }

    deinit {
        watcher.deallocate()
    }
}

/// The armed timers of a loop, as an intrusive doubly linked list (no allocation per arm).
struct TimerList {
    private var head: LibevTimer?

    mutating func insert(_ timer: LibevTimer) {
        timer.nextArmed = head
        timer.previousArmed = nil
        head?.previousArmed = timer
        head = timer
    }

    mutating func remove(_ timer: LibevTimer) {
        let next = timer.nextArmed
        if let previous = timer.previousArmed {
            previous.nextArmed = next
        } else if head === timer {
            head = next
        }
        next?.previousArmed = timer.previousArmed
        timer.nextArmed = nil
        timer.previousArmed = nil
    }

    mutating func shutDownAll() {
        while let timer = head {
            remove(timer)
            timer.shutDown()
        }
    }
}
