import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// Pub/sub commands answer with one confirmation per channel (RESP3: push frames; RESP2:
/// arrays), not with one reply: the correlator must count them, or every later command gets
/// the wrong reply.
final class PubSubCorrelationTests: XCTestCase {
    private func confirmations(_ future: EventLoopFuture<RESPValue>) -> Int? {
        guard case .array(let items?)? = try? future.result?.get() else { return nil }
        return items.count
    }

    func testSubscribeOverRESP3TakesItsPushConfirmationsAndTheNextReplyGoesToTheNextCommand() throws {
        let h = NodeHarness()
        try h.handshake()
        var pushes: [RESPValue] = []
        h.correlator.onPush = { pushes.append($0) }
        let subscribe = h.send(RedisCommand("SUBSCRIBE", "a", "b"))
        let get = h.send(RedisCommand("GET", "k"))
        try h.reply(pubSubFrame("subscribe", "a", count: 1, resp3: true))
        XCTAssertNil(subscribe.result, "one of two confirmations")
        try h.reply(messageFrame("a", "early", resp3: true))
        try h.reply(pubSubFrame("subscribe", "b", count: 2, resp3: true))
        try h.reply("$1\r\nv\r\n")
        XCTAssertEqual(confirmations(subscribe), 2)
        XCTAssertEqual(try get.result?.get(), .bulkString("v"), "GET's own reply")
        XCTAssertEqual(pushes.count, 1, "the message goes to the push handler, confirmations do not")
        XCTAssertTrue(h.channel.isActive)
        XCTAssertEqual(h.correlator.pendingCount, 0)
    }

    func testUnsubscribeAllOverRESP3TakesOneConfirmationPerSubscribedChannel() throws {
        let h = NodeHarness()
        try h.handshake()
        h.send(RedisCommand("SUBSCRIBE", "a", "b"))
        h.send(RedisCommand("PSUBSCRIBE", "p*"))
        try h.reply(pubSubFrame("subscribe", "a", count: 1, resp3: true) + pubSubFrame("subscribe", "b", count: 2, resp3: true)
                    + pubSubFrame("psubscribe", "p*", count: 3, resp3: true))
        let unsubscribe = h.send(RedisCommand("UNSUBSCRIBE"))
        let ping = h.send(RedisCommand("PING"))
        // The count is of all remaining subscriptions (the pattern stays): it never reaches 0 here.
        try h.reply(pubSubFrame("unsubscribe", "b", count: 2, resp3: true) + pubSubFrame("unsubscribe", "a", count: 1, resp3: true)
                    + "+PONG\r\n")
        XCTAssertEqual(confirmations(unsubscribe), 2)
        XCTAssertEqual(try ping.result?.get(), .simpleString("PONG"))
    }

    func testUnsubscribeWithNothingSubscribedTakesTheOneNullConfirmation() throws {
        let h = NodeHarness()
        try h.handshake()
        let unsubscribe = h.send(RedisCommand("SUNSUBSCRIBE"))
        let ping = h.send(RedisCommand("PING"))
        try h.reply(pubSubFrame("sunsubscribe", nil, count: 0, resp3: true) + "+PONG\r\n")
        XCTAssertEqual(confirmations(unsubscribe), 1)
        XCTAssertEqual(try ping.result?.get(), .simpleString("PONG"))
    }

    func testARefusedSubscribeFailsWithItsErrorAndKeepsTheStreamInStep() throws {
        let h = NodeHarness()
        try h.handshake()
        let subscribe = h.send(RedisCommand("SUBSCRIBE", "secret"))
        let ping = h.send(RedisCommand("PING"))
        try h.reply("-NOPERM this user has no permissions to access the 'secret' channel\r\n+PONG\r\n")
        guard case .server(let reply)? = redisError(subscribe)?.kind else { return XCTFail("\(String(describing: subscribe.result))") }
        XCTAssertEqual(reply.code, "NOPERM")
        XCTAssertEqual(try ping.result?.get(), .simpleString("PONG"))
    }

    func testServerInitiatedShardUnsubscribeGoesToThePushHandler() throws {
        let h = NodeHarness()
        try h.handshake()
        var pushes: [RESPValue] = []
        h.correlator.onPush = { pushes.append($0) }
        h.send(RedisCommand("SSUBSCRIBE", "{s}1"))
        try h.reply(pubSubFrame("ssubscribe", "{s}1", count: 1, resp3: true))
        let get = h.send(RedisCommand("GET", "k"))
        // The slot moved away: Redis 7 unsubscribes the client on its own.
        try h.reply(pubSubFrame("sunsubscribe", "{s}1", count: 0, resp3: true) + "$1\r\nv\r\n")
        XCTAssertEqual(pushes.count, 1)
        XCTAssertEqual(try get.result?.get(), .bulkString("v"))
    }

    func testInvalidationPushesNeverTakeAReply() throws {
        let h = NodeHarness()
        try h.handshake()
        var pushes: [RESPValue] = []
        h.correlator.onPush = { pushes.append($0) }
        let tracking = h.send(RedisCommand("CLIENT", "TRACKING", "on"))
        let get = h.send(RedisCommand("GET", "k"))
        try h.reply("+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n$1\r\nv\r\n")
        XCTAssertEqual(try tracking.result?.get(), .simpleString("OK"))
        XCTAssertEqual(try get.result?.get(), .bulkString("v"))
        XCTAssertEqual(pushes.count, 1)
    }

    // MARK: RESP2

    func testRESP2SubscribeConfirmationsAndMessagesKeepTheStreamInStep() throws {
        let h = NodeHarness(handshake: false)
        var pushes: [RESPValue] = []
        h.correlator.onPush = { pushes.append($0) }
        let subscribe = h.send(RedisCommand("SUBSCRIBE", "a", "b"))
        let ping = h.send(RedisCommand("PING"))
        try h.reply(pubSubFrame("subscribe", "a", count: 1, resp3: false) + messageFrame("a", "hi", resp3: false)
                    + pubSubFrame("subscribe", "b", count: 2, resp3: false))
        // In subscribed mode a RESP2 PING answers with an array.
        try h.reply("*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        XCTAssertEqual(confirmations(subscribe), 2)
        XCTAssertEqual(try ping.result?.get(), .array([.bulkString("pong"), .bulkString("")]))
        XCTAssertEqual(pushes.count, 1, "the message, as a push")
        let unsubscribe = h.send(RedisCommand("UNSUBSCRIBE"))
        try h.reply(pubSubFrame("unsubscribe", "a", count: 1, resp3: false) + pubSubFrame("unsubscribe", "b", count: 0, resp3: false))
        XCTAssertEqual(confirmations(unsubscribe), 2)
        // Out of subscribed mode an array that starts with "message" is an ordinary reply.
        let range = h.send(RedisCommand("LRANGE", "l", 0, -1))
        try h.reply(messageFrame("x", "y", resp3: false))
        XCTAssertEqual(try range.result?.get().decode(as: [String].self), ["message", "x", "y"])
        XCTAssertTrue(h.channel.isActive)
    }
}
