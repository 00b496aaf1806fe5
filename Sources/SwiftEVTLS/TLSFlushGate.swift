import SwiftEV

/// The decisions of `TLSFlushHold`, without I/O: the stage reports flushes it wants to make,
/// flushes it sent and application data it received, and does what the answers say. One timer
/// serves all holds: it is armed only when none is armed, and on firing re-armed for the
/// current hold's deadline if that is later, so a hold released by its answer costs no timer call.
struct TLSFlushGate {
    enum FlushDecision: Equatable {
        /// Send now (at the end of the loop iteration).
        case send
        /// Wait for the peer's answer; arm the timer for this deadline if given (else it is
        /// already armed, for this deadline or an earlier one).
        case hold(armTimerAt: Deadline?)
    }

    enum TimerDecision: Equatable {
        /// Nothing waits (the hold was released by an answer).
        case nothing
        /// The held flush has waited `maximumWait`: send it.
        case send
        /// The hold began after the timer was armed: arm it again for this deadline.
        case rearm(at: Deadline)
    }

    let maximumWait: TimeAmount
    /// A flush went out and nothing has been received since.
    private(set) var awaitingAnswer = false
    /// When the flush being held was first wanted; nil: none is held.
    private(set) var heldSince: Deadline?
    private(set) var timerArmed = false

    init(_ hold: TLSFlushHold) {
        maximumWait = hold.maximumWait
    }

    var isHolding: Bool { heldSince != nil }

    /// The stage wants to flush at `now`.
    mutating func flushWanted(now: Deadline) -> FlushDecision {
        guard awaitingAnswer else { return .send }
        let since = heldSince ?? now
        let deadline = since + maximumWait
        guard now < deadline else {
            heldSince = nil
            return .send
        }
        heldSince = since
        if timerArmed { return .hold(armTimerAt: nil) }
        timerArmed = true
        return .hold(armTimerAt: deadline)
    }

    /// Application data went out (handshake bytes and alerts do not count: the peer does not
    /// answer them with a reply).
    mutating func sent() {
        awaitingAnswer = true
        heldSince = nil
    }

    /// Application data arrived from the peer (part of a record, a session ticket or a key
    /// update is no answer). Returns whether a held flush is due now.
    mutating func received() -> Bool {
        awaitingAnswer = false
        guard heldSince != nil else { return false }
        heldSince = nil
        return true
    }

    mutating func timerFired(now: Deadline) -> TimerDecision {
        timerArmed = false
        guard let since = heldSince else { return .nothing }
        let deadline = since + maximumWait
        guard now < deadline else {
            heldSince = nil
            // The peer did not answer in time: stop waiting for that answer.
            awaitingAnswer = false
            return .send
        }
        timerArmed = true
        return .rearm(at: deadline)
    }

    /// The connection closed, or the timer was cancelled: nothing is held.
    mutating func reset() {
        awaitingAnswer = false
        heldSince = nil
        timerArmed = false
    }
}
