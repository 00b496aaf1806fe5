import DequeModule
import SwiftEV

/// The blocking connections to one node: how many are open (leased, idle or being dialled), which
/// are idle, and who waits for one. A plain value; the pool dials, sends and closes.
///
/// At most `limit` connections per node. When all are leased, a command waits in a FIFO queue
/// (at most `queueLimit`; beyond it the command is refused at once, not sent) until a
/// connection is returned or its deadline passes. Queueing rather than refusing: a burst of
/// consumers should wait their turn, as they would for the data itself; the deadline (the
/// command's own timeout plus the client's) still bounds the wait.
///
/// ```swift
/// var leases = BlockingLeases<Conn, Cmd>(limit: 2, queueLimit: 10)
/// leases.acquire(cmd, deadline: d)       // .dial — open a connection for cmd
/// leases.dialed(conn)                    // conn is leased to cmd
/// leases.release(conn, reusable: true)   // .keep, or .handOver(conn, to: nextWaiter)
/// ```
struct BlockingLeases<Connection, Waiter> {
    enum Acquire {
        case use(Connection)
        /// Open a new connection for the waiter (it counts as leased from now).
        case dial
        case queued
        /// Every connection is leased and the queue is full.
        case rejected
    }

    enum Release {
        /// Kept idle for the next command.
        case keep
        /// Give it straight to the longest waiting command.
        case handOver(Connection, to: Waiter)
        /// Not reusable: closed. `dialFor` is a waiter that now gets a new connection instead.
        case closed(dialFor: Waiter?)
    }

    let limit: Int
    let queueLimit: Int
    private(set) var idle: [Connection] = []
    /// Leased plus being dialled.
    private(set) var leased = 0
    private(set) var waiters = Deque<(waiter: Waiter, deadline: Deadline)>()

    init(limit: Int, queueLimit: Int) {
        self.limit = max(1, limit)
        self.queueLimit = max(0, queueLimit)
    }

    var open: Int { leased + idle.count }

    mutating func acquire(_ waiter: Waiter, deadline: Deadline) -> Acquire {
        if let connection = idle.popLast() {
            leased += 1
            return .use(connection)
        }
        if open < limit {
            leased += 1
            return .dial
        }
        guard waiters.count < queueLimit else { return .rejected }
        waiters.append((waiter, deadline))
        return .queued
    }

    /// A command finished with its connection.
    mutating func release(_ connection: Connection, reusable: Bool) -> Release {
        if reusable {
            if let next = waiters.popFirst() { return .handOver(connection, to: next.waiter) }
            leased -= 1
            idle.append(connection)
            return .keep
        }
        // The slot it held is free: a waiter gets a fresh connection in its place.
        if let next = waiters.popFirst() { return .closed(dialFor: next.waiter) }
        leased -= 1
        return .closed(dialFor: nil)
    }

    /// A dial for a waiter failed (the waiter is failed by the caller). Returns the next waiter
    /// to dial for, if any, keeping the slot.
    mutating func dialFailed() -> Waiter? {
        if let next = waiters.popFirst() { return next.waiter }
        leased -= 1
        return nil
    }

    /// A dial was refused for good (credentials, a handshake step): its place is free. With no
    /// connection open or being dialled that could be handed over, every waiter would dial in
    /// turn only to be refused the same way: they are returned, to fail now.
    mutating func dialRefused() -> [Waiter] {
        leased -= 1
        guard leased == 0, idle.isEmpty else { return [] }
        defer { waiters = [] }
        return waiters.map(\.waiter)
    }

    /// An idle connection closed (the server timed it out, the node went away).
    mutating func removeIdle(where matches: (Connection) -> Bool) {
        idle.removeAll(where: matches)
    }

    /// Removes and returns the waiters whose deadline has passed.
    mutating func takeExpired(now: Deadline) -> [Waiter] {
        var expired: [Waiter] = []
        var kept = Deque<(waiter: Waiter, deadline: Deadline)>()
        for entry in waiters {
            if entry.deadline <= now { expired.append(entry.waiter) } else { kept.append(entry) }
        }
        waiters = kept
        return expired
    }

    var earliestDeadline: Deadline? { waiters.lazy.map(\.deadline).min() }

    /// Everything, for closing: the idle connections and the waiters.
    mutating func takeAll() -> (idle: [Connection], waiters: [Waiter]) {
        defer { idle = []; waiters = []; leased = 0 }
        return (idle, waiters.map(\.waiter))
    }
}

extension Dictionary {
    /// The earliest deadline of any node's waiters (for the pool's one timer).
    func earliestWaiterDeadline<Connection, Waiter>() -> Deadline? where Value == BlockingLeases<Connection, Waiter> {
        values.compactMap(\.earliestDeadline).min()
    }

    /// Removes and returns every node's waiters whose deadline has passed, with their node.
    mutating func takeExpiredWaiters<Connection, Waiter>(now: Deadline) -> [(Key, Waiter)] where Value == BlockingLeases<Connection, Waiter> {
        var expired: [(Key, Waiter)] = []
        for key in Array(keys) {
            for waiter in self[key]?.takeExpired(now: now) ?? [] { expired.append((key, waiter)) }
        }
        return expired
    }
}
