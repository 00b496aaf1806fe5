import SwiftEV

/// When to refresh the topology: one refresh at a time, never two closer than the minimum
/// interval, periodic ones jittered so that many clients do not ask the cluster in step.
///
/// A plain value driven by requests, a timer and refresh completions; it returns what to do.
/// Requests made while a refresh runs join it: they are served by one more refresh after it
/// (the running one may have asked its nodes before the change that prompted them).
public struct RefreshScheduler: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case none
        /// Start a refresh now.
        case start
        /// (Re)arm the one refresh timer for this time.
        case armTimer(at: Deadline)
    }

    public enum State: Sendable, Equatable {
        /// Nothing running; a timer may be armed for `next` (periodic or throttled).
        case idle(next: Deadline?)
        /// A refresh is running; `again` means a request arrived meanwhile.
        case running(again: Bool)
        case stopped
    }

    public private(set) var state: State = .idle(next: nil)
    /// When the last refresh finished (the throttle counts from there).
    public private(set) var lastFinished: Deadline?
    public var minimumInterval: TimeAmount
    public var periodicInterval: TimeAmount?
    /// Fraction of an interval added at random (0.2: up to 20% later).
    public var jitter: Double

    public init(minimumInterval: TimeAmount, periodicInterval: TimeAmount?, jitter: Double = 0.2) {
        self.minimumInterval = minimumInterval
        self.periodicInterval = periodicInterval
        self.jitter = jitter
    }

    public var isRunning: Bool { if case .running = state { return true } else { return false } }

    /// Something suggests the topology changed. `random` in 0..<1.
    public mutating func request(now: Deadline, random: Double) -> Action {
        switch state {
        case .stopped:
            return .none
        case .running:
            state = .running(again: true)
            return .none
        case .idle(let next):
            let earliest = lastFinished.map { $0 + minimumInterval } ?? now
            if earliest <= now {
                state = .running(again: false)
                return .start
            }
            // Throttled: keep an earlier timer, else arm one at the earliest allowed time.
            let at = earliest + (jittered(minimumInterval, random) - minimumInterval)
            if let next, next <= at { return .none }
            state = .idle(next: at)
            return .armTimer(at: at)
        }
    }

    /// The refresh timer fired.
    public mutating func timerFired(now: Deadline) -> Action {
        guard case .idle(let next) = state, let next, next <= now else { return .none }
        state = .running(again: false)
        return .start
    }

    /// The running refresh ended (either way).
    public mutating func finished(now: Deadline, random: Double) -> Action {
        guard case .running(let again) = state else { return .none }
        lastFinished = now
        let next: Deadline
        if again {
            next = now + jittered(minimumInterval, random)
        } else if let periodicInterval {
            next = now + jittered(periodicInterval, random)
        } else {
            state = .idle(next: nil)
            return .none
        }
        state = .idle(next: next)
        return .armTimer(at: next)
    }

    public mutating func stop() { state = .stopped }

    private func jittered(_ interval: TimeAmount, _ random: Double) -> TimeAmount {
        .nanoseconds(interval.nanoseconds + Int64(Double(interval.nanoseconds) * jitter * min(max(random, 0), 1)))
    }
}
