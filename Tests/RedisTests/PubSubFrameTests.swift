import RESP
import SwiftEV
import XCTest
import Redis

/// The one parser of pub/sub frames, through its public API: deliveries and confirmations over
/// RESP3 (push) and RESP2 (array), in any case, and nil for what is not a pub/sub frame.
final class PubSubFrameTests: XCTestCase {
    func bulk(_ s: String) -> RESPValue { .bulkString(ByteBuffer(string: s)) }
    func buffer(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    func testDeliveriesCarryChannelPatternAndPayload() {
        XCTAssertEqual(PubSubFrame(.push([bulk("smessage"), bulk("orders"), bulk("hi")])),
                       PubSubFrame(kind: .message(.shardChannels), channel: buffer("orders"), payload: buffer("hi")))
        XCTAssertEqual(PubSubFrame(.array([bulk("message"), bulk("news"), bulk("x")])),
                       PubSubFrame(kind: .message(.channels), channel: buffer("news"), payload: buffer("x")))
        XCTAssertEqual(PubSubFrame(.array([bulk("pmessage"), bulk("user:*"), bulk("user:1"), bulk("x")])),
                       PubSubFrame(kind: .message(.patterns), channel: buffer("user:1"), pattern: buffer("user:*"), payload: buffer("x")))
        XCTAssertEqual(PubSubFrame(.push([.simpleString(buffer("MESSAGE")), bulk("news"), bulk("x")]))?.kind, .message(.channels),
                       "the first word in any case, as a simple string too")
    }

    func testConfirmationsNameTheirFamilyAndDirection() {
        XCTAssertEqual(PubSubFrame(.push([bulk("sunsubscribe"), bulk("orders"), .integer(0)])),
                       PubSubFrame(kind: .confirmation(.shardChannels, isSubscribe: false), channel: buffer("orders")))
        XCTAssertEqual(PubSubFrame(.array([bulk("psubscribe"), bulk("user:*"), .integer(1)]))?.kind, .confirmation(.patterns, isSubscribe: true))
        XCTAssertEqual(PubSubFrame(.array([bulk("unsubscribe"), .bulkString(nil), .integer(0)])),
                       PubSubFrame(kind: .confirmation(.channels, isSubscribe: false), channel: nil), "unsubscribed from nothing")
    }

    func testOtherFramesAreNotPubSub() {
        XCTAssertNil(PubSubFrame(.push([bulk("invalidate"), .array([bulk("k")])])))
        XCTAssertNil(PubSubFrame(.array([bulk("message"), bulk("only two")])))
        XCTAssertNil(PubSubFrame(.array([.integer(1), bulk("a"), bulk("b")])))
        XCTAssertNil(PubSubFrame(bulk("message")))
        XCTAssertNil(PubSubFrame(.array([bulk("messages"), bulk("a"), bulk("b")])), "a longer word is not `message`")
        // A truncated pmessage is still a delivery (never a reply), with what it lacks left nil.
        XCTAssertEqual(PubSubFrame(.array([bulk("pmessage"), bulk("p*"), bulk("c")]))?.payload, nil)
    }
}
