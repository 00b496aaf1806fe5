import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// The correlator's early-send limit (`RedisConnectionConfiguration.earlyFlushThreshold`):
/// the channel sends before the iteration ends once the bytes written reach
/// max(threshold, bytes in flight / 3).
final class EarlyFlushThresholdTests: XCTestCase {
    func testLimitIsTheThresholdUntilAThirdOfTheBytesInFlightExceedsIt() throws {
        let h = NodeHarness(handshake: false, earlyFlushThreshold: 8 * 1024)
        h.send(RedisCommand("GET", "k"))
        XCTAssertEqual(h.channel.channel.deferredFlushLimit, 8 * 1024, "few bytes in flight: the threshold")
        let value = String(repeating: "v", count: 30_000)
        h.send(RedisCommand("SET", "big", value))
        XCTAssertGreaterThan(h.channel.channel.deferredFlushLimit, 10_000, "a third of ~30 KB in flight")
    }

    func testLoneConnectionDefaultIsOneKilobyte() {
        XCTAssertEqual(RedisConnectionConfiguration().earlyFlushThreshold, 1024)
        let h = NodeHarness(handshake: false)
        h.send(RedisCommand("GET", "k"))
        XCTAssertEqual(h.channel.channel.deferredFlushLimit, 1024)
    }
}
