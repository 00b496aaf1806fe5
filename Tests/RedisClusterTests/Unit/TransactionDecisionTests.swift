import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Transaction checks before sending and the classification of what came back: plain values.
final class TransactionDecisionTests: XCTestCase {
    let ok: Result<RESPValue, any Error> = .success(.simpleString("OK"))
    let queued: Result<RESPValue, any Error> = .success(.simpleString("QUEUED"))
    let moved = Redirection.moved(slot: 5, host: "127.0.0.1", port: 7002)

    func fail(_ kind: RedisError.Kind) -> Result<RESPValue, any Error> { .failure(RedisError(kind, node: "127.0.0.1:7000")) }

    func testPlanFindsTheOneSlotOrRefusesBeforeSending() throws {
        let plan = try TransactionPlan([RedisCommand("SET", "{u}a", 1), RedisCommand("PING"), RedisCommand("MGET", "{u}b", "{u}c")])
        XCTAssertEqual(plan.slot, HashSlot.slot(forKey: "u"))
        XCTAssertNil(try TransactionPlan([RedisCommand("PING")]).slot)
        XCTAssertThrowsError(try TransactionPlan([RedisCommand("SET", "a", 1), RedisCommand("SET", "b", 1)])) { error in
            guard let error = error as? RedisClusterError, case .crossSlot(let keys) = error.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(keys.map(\.key), ["a", "b"])
            XCTAssertEqual(keys.map(\.slot), [HashSlot.slot(forKey: "a"), HashSlot.slot(forKey: "b")])
        }
        XCTAssertThrowsError(try TransactionPlan([RedisCommand("MGET", "a", "b")]), "cross-slot inside one command")
        XCTAssertThrowsError(try TransactionPlan([RedisCommand("WATCH", "a")])) { error in
            XCTAssertEqual((error as? ClusterTransactionError)?.kind, .invalidCommand("WATCH"))
        }
    }

    func testOutcomes() {
        guard case .committed(let replies) = TransactionOutcome(multi: ok, queued: [queued], exec: .success(.array([.integer(1)]))) else {
            return XCTFail()
        }
        XCTAssertEqual(replies, [.integer(1)])
        guard case .aborted = TransactionOutcome(multi: ok, queued: [queued], exec: .success(.array(nil))) else { return XCTFail() }
        guard case .notExecuted(let r) = TransactionOutcome(multi: ok, queued: [fail(.redirectedInTransaction(moved))],
                                                            exec: fail(.redirectedInTransaction(moved))) else { return XCTFail() }
        XCTAssertEqual(r, moved)
        // EXEC never written: the server drops the transaction with the connection.
        guard case .notSent = TransactionOutcome(multi: ok, queued: [fail(.connectionClosed(.unknown))],
                                                 exec: fail(.connectionClosed(.notSent))) else { return XCTFail() }
        // EXEC written, no answer: unknown, whatever came before.
        for kind: RedisError.Kind in [.connectionClosed(.unknown), .timeout(.unknown), .nodeUnresponsive(.unknown), .cancelled] {
            guard case .unknown = TransactionOutcome(multi: ok, queued: [queued], exec: fail(kind)) else { return XCTFail("\(kind)") }
        }
        // EXECABORT after a queued syntax error: the queued command's own error is the cause.
        let syntax = RESPServerError(code: "ERR", message: "wrong number of arguments for 'set' command")
        guard case .rejected(let cause as RedisError) = TransactionOutcome(
            multi: ok, queued: [fail(.server(syntax))],
            exec: fail(.server(.init(code: "EXECABORT", message: "Transaction discarded")))) else { return XCTFail() }
        XCTAssertEqual(cause.kind, .server(syntax))
    }
}
