import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// A redirect inside MULTI…EXEC must fail the transaction, never move one of its commands.
final class TransactionRedirectTests: XCTestCase {
    func testMovedForAQueuedCommandFailsItAndTheExecWithoutTheDelegate() throws {
        let h = NodeHarness()
        try h.handshake()
        let multi = h.send(RedisCommand("MULTI"))
        let set = h.send(RedisCommand("SET", "k", "v"))
        let exec = h.send(RedisCommand("EXEC"))
        try h.reply("+OK\r\n-MOVED 12182 127.0.0.1:7002\r\n-EXECABORT Transaction discarded because of previous errors.\r\n")
        XCTAssertEqual(try multi.result?.get(), .simpleString("OK"))
        XCTAssertTrue(h.delegate.redirected.isEmpty, "no command of a transaction is re-run on its own")
        XCTAssertEqual(redirectInTransaction(set), .moved(slot: 12182, host: "127.0.0.1", port: 7002))
        XCTAssertEqual(redirectInTransaction(exec), .moved(slot: 12182, host: "127.0.0.1", port: 7002),
                       "EXEC fails naming the redirect: \(String(describing: exec.result))")
        // After the transaction, redirects go to the delegate again.
        let get = h.send(RedisCommand("GET", "k"))
        try h.reply("-ASK 1 127.0.0.1:7003\r\n")
        XCTAssertNil(get.result)
        XCTAssertEqual(h.delegate.redirected.count, 1)
    }

    func testMovedForExecItselfFailsTheTransaction() throws {
        let h = NodeHarness()
        try h.handshake()
        h.send(RedisCommand("MULTI"))
        let get = h.send(RedisCommand("GET", "k"))
        let exec = h.send(RedisCommand("EXEC"))
        try h.reply("+OK\r\n+QUEUED\r\n-MOVED 1 127.0.0.1:7002\r\n")
        XCTAssertEqual(try get.result?.get(), .simpleString("QUEUED"))
        XCTAssertTrue(h.delegate.redirected.isEmpty)
        XCTAssertEqual(redirectInTransaction(exec), .moved(slot: 1, host: "127.0.0.1", port: 7002))
        XCTAssertTrue(redisError(exec).map { "\($0)".contains("MOVED") } ?? false)
    }

    func testDiscardEndsTheTransaction() throws {
        let h = NodeHarness()
        try h.handshake()
        h.send(RedisCommand("MULTI"))
        h.send(RedisCommand("SET", "k", "v"))
        h.send(RedisCommand("DISCARD"))
        let get = h.send(RedisCommand("GET", "k"))
        try h.reply("+OK\r\n+QUEUED\r\n+OK\r\n-MOVED 1 127.0.0.1:7002\r\n")
        XCTAssertNil(get.result)
        XCTAssertEqual(h.delegate.redirected.count, 1, "outside the transaction the delegate follows it")
    }

    func testLostConnectionNeverReturnsPartOfATransaction() throws {
        let h = NodeHarness()
        h.send(RedisCommand("GET", "before"))
        let multi = h.send(RedisCommand("MULTI"))
        let get = h.send(RedisCommand("GET", "k"))  // read-only, but inside the transaction
        let exec = h.send(RedisCommand("EXEC"))
        h.channel.closeFromPeer()  // nothing was written: the handshake never finished
        XCTAssertEqual(h.delegate.returned.map(\.command.name), ["GET"], "only the command outside the transaction")
        for future in [multi, get, exec] {
            guard case .connectionClosed(.notSent)? = redisError(future)?.kind else { return XCTFail("\(String(describing: future.result))") }
        }
    }
}
