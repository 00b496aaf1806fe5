import SwiftEV

/// An event loop for tests: nothing runs until the test says so, and time moves only when the
/// test moves it.
///
/// ```swift
/// let loop = EmbeddedEventLoop()
/// let task = loop.scheduleTask(in: .seconds(5)) { "done" }
/// loop.advanceTime(by: .seconds(4))   // not yet
/// loop.advanceTime(by: .seconds(1))   // runs now
/// ```
///
/// Use it from one thread: `inEventLoop` is always true.
/// `@unchecked Sendable`: single-threaded by contract, like the tests that drive it.
public final class EmbeddedEventLoop: EventLoop, @unchecked Sendable {
    private var clock: Deadline
    private var tasks: [@Sendable () -> Void] = []
    private var timers: [EmbeddedTimer] = []
    private var sequence: UInt64 = 0
    private var shutDown = false

    public init(startingAt start: Deadline = Deadline(uptimeNanoseconds: 1_000_000_000)) {
        self.clock = start
    }

    public var inEventLoop: Bool { true }
    public var now: Deadline { clock }

    public func tryExecute(_ task: @escaping @Sendable () -> Void) -> Bool {
        guard !shutDown else { return false }
        tasks.append(task)
        return true
    }

    public func makeTimer(_ handler: @escaping () -> Void) -> any LoopTimer {
        EmbeddedTimer(loop: self, handler: handler)
    }

    /// Runs queued tasks (and the tasks they queue) until none are left. Time does not move.
    public func run() {
        while !tasks.isEmpty {
            let batch = tasks
            tasks.removeAll()
            for task in batch { task() }
        }
    }

    /// Moves the clock forward, running queued tasks and firing due timers in deadline order
    /// (timers with equal deadlines fire in the order they were armed).
    public func advanceTime(by amount: TimeAmount) {
        advanceTime(to: clock + amount)
    }

    public func advanceTime(to target: Deadline) {
        run()
        while let next = timers.filter({ $0.deadline <= target }).min(by: { ($0.deadline, $0.order) < ($1.deadline, $1.order) }) {
            clock = max(clock, next.deadline)
            disarm(next)
            next.handler()
            run()
        }
        clock = max(clock, target)
    }

    /// Fails every armed scheduled task with `EventLoopError.shutDown`; later `execute` calls are refused.
    public func shutdown() {
        run()
        shutDown = true
        let armed = timers
        timers.removeAll()
        for timer in armed {
            timer.isArmed = false
            timer.onShutdown?()
        }
    }

    /// Number of armed timers (to check that a stage cleaned up after itself).
    public var armedTimerCount: Int { timers.count }

    fileprivate func arm(_ timer: EmbeddedTimer) {
        sequence += 1
        timer.order = sequence
        if !timers.contains(where: { $0 === timer }) { timers.append(timer) }
    }

    fileprivate func disarm(_ timer: EmbeddedTimer) {
        timer.isArmed = false
        timers.removeAll { $0 === timer }
    }
}

private final class EmbeddedTimer: LoopTimer {
    unowned let loop: EmbeddedEventLoop
    let handler: () -> Void
    var deadline = Deadline.distantPast
    var order: UInt64 = 0
    var isArmed = false
    var onShutdown: (() -> Void)?

    init(loop: EmbeddedEventLoop, handler: @escaping () -> Void) {
        self.loop = loop
        self.handler = handler
    }

    func arm(at deadline: Deadline) {
        self.deadline = deadline
        isArmed = true
        loop.arm(self)
    }

    func cancel() {
        guard isArmed else { return }
        loop.disarm(self)
    }
}
