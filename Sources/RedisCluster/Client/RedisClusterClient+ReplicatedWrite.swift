import Redis
import RESP
import SwiftEV

/// A write's reply and what `WAIT` said about it (see `RedisClusterClient.send(_:waitingForReplicas:timeout:)`).
public struct ReplicatedReply: Sendable {
    /// The write's own reply: it ran.
    public var reply: RESPValue
    /// The node that ran it (`host:port`, as the cluster advertises it).
    public var node: String
    /// How many of that node's replicas have the write, as `WAIT` counted them (fewer than
    /// asked for when its timeout passed first); or why `WAIT` gave no count (the connection
    /// was lost, the deadline passed): then whether a replica has the write is not known.
    public var replicas: Result<Int, any Error>

    public init(reply: RESPValue, node: String, replicas: Result<Int, any Error>) {
        self.reply = reply
        self.node = node
        self.replicas = replicas
    }

    /// At least `count` replicas confirmed the write.
    public func isConfirmed(by count: Int) -> Bool {
        if case .success(let replicas) = replicas { return replicas >= count }
        return false
    }
}

extension RedisClusterClient {
    /// Runs `write` on the node serving its key with `WAIT replicas timeout` right behind it
    /// on the same connection, as one unit, so the count is about this write: the node that
    /// ran it, and its replicas. A `WAIT` sent on its own afterwards may reach the wrong node:
    /// after an `ASK` during a reshard the write ran on the importing node, not the slot's
    /// owner. After `MOVED` or `ASK` both go again to the node named (nothing ran).
    ///
    /// ```swift
    /// let answer = try await cluster.send(RedisCommand("SET", "order:7", "paid"),
    ///                                     waitingForReplicas: 1, timeout: .milliseconds(500))
    /// if !answer.isConfirmed(by: 1) { /* ran on answer.node; a failover may still lose it */ }
    /// ```
    ///
    /// Throws what `send(_:)` throws for the write (a write whose reply never came: outcome
    /// unknown, never re-sent). `WAIT` blocks the connection it runs on, other callers'
    /// commands behind it included, until the replicas answer or `timeout` passes: keep it short.
    /// `timeout` goes to the server in whole milliseconds, rounded up, and is at least 1 ms:
    /// `WAIT n 0` would wait for ever, so `.zero` (or anything under a millisecond) means "as
    /// briefly as the server can", never "without limit".
    public func send(_ write: RedisCommand, waitingForReplicas replicas: Int, timeout: TimeAmount) async throws -> ReplicatedReply {
        let promise = eventLoop.makePromise(of: ReplicatedReply.self)
        let start: @Sendable () -> Void = { [self] in
            submit(write, waitingForReplicas: replicas, timeout: timeout) { promise.completeWith($0) }
        }
        if eventLoop.inEventLoop {
            start()
        } else if !eventLoop.tryExecute(start) {
            promise.fail(RedisClusterError(.clientClosed, command: write.name))
        }
        return try await promise.futureResult.get()
    }

    /// `send(_:waitingForReplicas:timeout:)` for code on the client's loop; `onReply` runs
    /// there. Must be called on the loop. The write must name keys of one slot.
    public func submit(_ write: RedisCommand, waitingForReplicas replicas: Int, timeout: TimeAmount,
                       onReply: @escaping (Result<ReplicatedReply, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        let slot: Int?
        switch CommandRouter.route(write) {
        case .slot(let keySlot): slot = keySlot
        case .keyless: slot = nil
        case .crossSlot(let keys): return onReply(.failure(RedisClusterError(.crossSlot(keys), command: write.name)))
        }
        coordinator.replicatedWrite(ReplicatedWriteRun(write: write, slot: slot, replicas: replicas, waitTimeout: timeout,
                                                       deadline: eventLoop.now + configuration.commandTimeout, completion: onReply))
    }
}
