import Redis
import SwiftEV
import XCTest
@testable import RedisCluster

/// Which commands block and for how long, and how a node's blocking connections are shared.
final class BlockingDecisionTests: XCTestCase {
    let t0 = Deadline(uptimeNanoseconds: 10_000_000_000)

    func testBlockingCommandsAndTheirOwnTimeouts() {
        XCTAssertEqual(BlockingCommand.wait(of: RedisCommand("BLPOP", "a", "b", 5)), .upTo(.seconds(5)))
        XCTAssertEqual(BlockingCommand.wait(of: RedisCommand("brpop", "a", "0.5")), .upTo(.milliseconds(500)))
        XCTAssertEqual(BlockingCommand.wait(of: RedisCommand("BLMOVE", "a", "b", "LEFT", "RIGHT", 0)), .forever)
        XCTAssertEqual(BlockingCommand.wait(of: RedisCommand("BZPOPMIN", "z", 2)), .upTo(.seconds(2)))
        XCTAssertEqual(BlockingCommand.wait(of: RedisCommand("BLMPOP", 3, 1, "l", "LEFT")), .upTo(.seconds(3)))
        XCTAssertEqual(BlockingCommand.wait(of: RedisCommand("XREAD", "COUNT", 1, "BLOCK", 250, "STREAMS", "s", "$")), .upTo(.milliseconds(250)))
        XCTAssertEqual(BlockingCommand.wait(of: RedisCommand("XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s", ">")), .forever)
        XCTAssertNil(BlockingCommand.wait(of: RedisCommand("XREAD", "STREAMS", "BLOCK", "0")), "BLOCK after STREAMS is a key name")
        XCTAssertNil(BlockingCommand.wait(of: RedisCommand("XADD", "s", "*", "f", 1)))
        XCTAssertNil(BlockingCommand.wait(of: RedisCommand("GET", "k")))
        XCTAssertNil(BlockingCommand.wait(of: RedisCommand("BITCOUNT", "k")))
        XCTAssertNil(BlockingCommand.wait(of: RedisCommand("WAIT", 1, 100)), "WAIT stays on the connection of the writes")
        XCTAssertEqual(BlockingCommand.wait(of: RedisCommand("BLPOP", "a", "-1")), .forever, "the server refuses it at once")
        XCTAssertEqual(BlockingCommand.extraTime(for: RedisCommand("BLPOP", "a", 7)), .seconds(7))
        XCTAssertNil(BlockingCommand.extraTime(for: RedisCommand("SET", "a", 7)))
    }

    final class Conn {}

    func testLeasesDialUpToTheLimitThenQueueThenRefuse() {
        var leases = BlockingLeases<Conn, String>(limit: 2, queueLimit: 1)
        guard case .dial = leases.acquire("a", deadline: t0) else { return XCTFail("first: dial") }
        guard case .dial = leases.acquire("b", deadline: t0) else { return XCTFail("second: dial") }
        guard case .queued = leases.acquire("c", deadline: t0 + .seconds(1)) else { return XCTFail("third: queued") }
        guard case .rejected = leases.acquire("d", deadline: t0) else { return XCTFail("fourth: the queue is full") }
        XCTAssertEqual(leases.open, 2)
        let one = Conn()
        guard case .handOver(let handed, let waiter) = leases.release(one, reusable: true) else { return XCTFail("to the waiter") }
        XCTAssertTrue(handed === one)
        XCTAssertEqual(waiter, "c")
        guard case .keep = leases.release(one, reusable: true) else { return XCTFail("kept idle") }
        XCTAssertEqual(leases.idle.count, 1)
        guard case .use(let reused) = leases.acquire("e", deadline: t0) else { return XCTFail("reuses the idle one") }
        XCTAssertTrue(reused === one)
    }

    func testUnusableConnectionFreesItsPlaceForAWaiter() {
        var leases = BlockingLeases<Conn, String>(limit: 1, queueLimit: 5)
        _ = leases.acquire("a", deadline: t0)
        _ = leases.acquire("b", deadline: t0 + .seconds(5))
        guard case .closed(let dialFor) = leases.release(Conn(), reusable: false) else { return XCTFail() }
        XCTAssertEqual(dialFor, "b", "a timed-out connection is closed; the waiter gets a fresh one")
        XCTAssertEqual(leases.open, 1)
        guard case .closed(nil) = leases.release(Conn(), reusable: false) else { return XCTFail() }
        XCTAssertEqual(leases.open, 0)
    }

    func testFailedDialPassesToTheNextWaiterAndQueuedCommandsExpire() {
        var leases = BlockingLeases<Conn, String>(limit: 1, queueLimit: 5)
        _ = leases.acquire("a", deadline: t0)
        _ = leases.acquire("b", deadline: t0 + .seconds(1))
        _ = leases.acquire("c", deadline: t0 + .seconds(9))
        XCTAssertEqual(leases.earliestDeadline, t0 + .seconds(1))
        XCTAssertEqual(leases.takeExpired(now: t0 + .seconds(2)), ["b"])
        XCTAssertEqual(leases.dialFailed(), "c")
        XCTAssertNil(leases.dialFailed())
        XCTAssertEqual(leases.open, 0)
    }

    /// A refused dial fails the waiters only when no connection could be handed to them.
    func testARefusedDialFailsTheWaitersOnlyWhenNothingElseCouldServeThem() {
        var leases = BlockingLeases<Conn, String>(limit: 2, queueLimit: 5)
        _ = leases.acquire("a", deadline: t0)  // dials
        _ = leases.acquire("b", deadline: t0)  // dials
        _ = leases.acquire("c", deadline: t0)  // queued
        _ = leases.acquire("d", deadline: t0)  // queued
        XCTAssertEqual(leases.dialRefused(), [], "b's dial may still succeed and serve them")
        XCTAssertEqual(leases.dialRefused(), ["c", "d"], "nothing left to serve them")
        XCTAssertEqual(leases.open, 0)
        guard case .dial = leases.acquire("e", deadline: t0) else { return XCTFail("a later command dials again") }
    }
}
