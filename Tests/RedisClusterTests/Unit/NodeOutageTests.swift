import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// What a command for a node that is down meets: a refused handshake fails it at once, any
/// other failure has it wait for the node or its replacement; both dial again after the backoff.
final class NodeOutageTests: XCTestCase {
    let t0 = Deadline(uptimeNanoseconds: 10_000_000_000)
    let wrongpass = RESPServerError(code: "WRONGPASS", message: "invalid username-password pair or user is disabled.")

    func testRefusedCredentialsFailCommandsUntilTheBackoffEndsThenDialAgain() {
        let error = RedisError(.handshakeFailed(step: "HELLO", wrongpass), node: "127.0.0.1:7001", command: HandshakeStage.commandName)
        let outage = NodeOutage(dialError: error, until: t0 + .milliseconds(50))
        XCTAssertEqual(outage.cause, .authenticationFailed(wrongpass))
        let refusal = RedisError.Kind.handshakeFailed(step: "HELLO", wrongpass)
        XCTAssertEqual(outage.queued, .fail(refusal), "the commands that waited for the refused dial")
        XCTAssertEqual(outage.admit(now: t0), .fail(refusal), "a new command meanwhile: at once, not waiting")
        XCTAssertEqual(outage.admit(now: t0 + .milliseconds(49)), .fail(refusal))
        XCTAssertEqual(outage.admit(now: t0 + .milliseconds(50)), .dial, "the backoff is over: one new attempt")
    }

    func testEveryAuthorizationCodeAtAnyStepIsARefusal() {
        for (step, code) in [("HELLO", "NOAUTH"), ("AUTH", "WRONGPASS"), ("READONLY", "NOPERM")] {
            let reply = RESPServerError(code: code, message: "refused")
            let outage = NodeOutage(dialError: RedisError(.handshakeFailed(step: step, reply), node: "n:1"), until: t0)
            XCTAssertEqual(outage.queued, .fail(.handshakeFailed(step: step, reply)), "\(step) \(code)")
        }
    }

    /// Another handshake step refused for good (`SELECT` in cluster mode, `READONLY`) is
    /// refused again the same way: its commands fail at once with the step and the reply.
    func testAnotherStepRefusedForGoodIsARefusalToo() {
        for (step, reply) in [("SELECT", RESPServerError(code: "ERR", message: "SELECT is not allowed in cluster mode")),
                              ("READONLY", RESPServerError(code: "ERR", message: "This instance has cluster support disabled"))] {
            let outage = NodeOutage(dialError: RedisError(.handshakeFailed(step: step, reply), node: "n:1"), until: t0 + .milliseconds(50))
            XCTAssertEqual(outage.cause, .handshakeRefused(step: step, reply))
            XCTAssertEqual(outage.queued, .fail(.handshakeFailed(step: step, reply)), step)
            XCTAssertEqual(outage.admit(now: t0 + .milliseconds(50)), .dial, "dialled again after the backoff: \(step)")
        }
    }

    /// A node that is loading or busy says "not now", and a lost connection or a refused
    /// connect says nothing about this client: the command waits for the node or its replacement.
    func testPassingFailuresHaveCommandsWaitForTheNodeOrItsReplacement() {
        let loading = RedisError(.handshakeFailed(step: "HELLO", RESPServerError(code: "LOADING", message: "Redis is loading the dataset in memory")),
                                 node: "n:1")
        let refused = SocketError(kind: .connectionRefused, address: "127.0.0.1:7001")
        let lost = NodeOutage(cause: .unreachable("connection lost"), until: t0 + .milliseconds(50))
        for outage in [NodeOutage(dialError: loading, until: t0 + .milliseconds(50)),
                       NodeOutage(dialError: refused, until: t0 + .milliseconds(50)), lost] {
            XCTAssertNil(outage.refusal, "\(outage.cause)")
            XCTAssertEqual(outage.queued, .bounce, "\(outage.cause)")
            XCTAssertEqual(outage.admit(now: t0), .bounce, "\(outage.cause)")
            XCTAssertEqual(outage.admit(now: t0 + .milliseconds(50)), .dial, "\(outage.cause)")
        }
    }

    /// With a zero backoff the commands that waited for a failed dial still do not dial again
    /// themselves: that would retry as fast as they fail.
    func testQueuedCommandsNeverRedialEvenWithAZeroBackoff() {
        let outage = NodeOutage(dialError: SocketError(kind: .connectionRefused, address: "n:1"), until: t0)
        XCTAssertEqual(outage.queued, .bounce)
        XCTAssertEqual(outage.admit(now: t0), .dial)
    }

    /// A command failing on a refused node names the command and says it did not run.
    func testTheRefusalAsACommandsErrorSaysItWasNotExecuted() {
        let error = RedisError(.handshakeFailed(step: "HELLO", wrongpass), node: "127.0.0.1:7001", command: "GET")
        XCTAssertTrue(error.isSafeToRetry)
        XCTAssertEqual(error.description,
                       "GET on 127.0.0.1:7001: connection handshake failed at HELLO: WRONGPASS invalid username-password pair or user is disabled.; not executed")
        let connect = RedisError(.handshakeFailed(step: "HELLO", wrongpass), node: "127.0.0.1:7001", command: HandshakeStage.commandName)
        XCTAssertFalse(connect.description.contains("not executed"), "the connect itself: no command to speak of")
    }
}
