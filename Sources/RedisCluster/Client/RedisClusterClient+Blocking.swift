import Redis
import RESP

// MARK: Blocking commands
//
// `BLPOP`, `BRPOP`, `BRPOPLPUSH`, `BLMOVE`, `BLMPOP`, `BZPOPMIN`, `BZPOPMAX`, `BZMPOP` and
// `XREAD`/`XREADGROUP … BLOCK` need nothing special: `send` and `submit` recognise them and
// carry them on a separate connection to the slot's primary, so they never hold up the other
// commands on the node's shared connection. Their deadline is their own timeout plus
// `commandTimeout` (none for a timeout of 0).
//
// ```swift
// // Waits up to 5 s for a job while other tasks keep using the same client at full speed.
// let job = try await cluster.send("BLPOP", "jobs", 5, as: [String]?.self)
// ```
//
// Per node at most `maxBlockingConnectionsPerNode` (16) such connections are open, reused from
// one command to the next. When all are busy, further blocking commands queue for one (at most
// `maxBlockingQueuePerNode`, then `blockingConnectionsBusy`, not sent); a queued command still
// fails at its deadline (`timedOutWaiting`, not sent). A connection whose command timed out or
// was cancelled is closed rather than reused: the server may still be blocked on it.
//
// `WAIT` is not carried apart: it acknowledges the writes made on its own connection.
extension RedisClusterClient {
    /// Blocking connections open per node, for tests. Loop-confined (hops).
    func blockingConnectionCountForTests() async -> Int {
        (try? await eventLoop.submit { [self] in coordinatorForTests.blockingPool.openCount }.get()) ?? 0
    }
}
