import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// A subscription's buffer is bounded: what does not fit is counted and reported as
/// `.dropped(n)` before the next event that does, never lost silently.
final class BoundedDeliveryTests: XCTestCase {
    private func message(_ n: Int) -> PubSubEvent {
        .message(PubSubMessage(kind: .shardChannel, channel: "c", pattern: nil, payload: ByteBuffer(string: "\(n)")))
    }

    private func describe(_ events: [PubSubEvent]) -> [String] {
        events.map {
            switch $0 {
            case .message(let m): return String(buffer: m.payload)
            case .dropped(let n): return "dropped \(n)"
            case .gap: return "gap"
            }
        }
    }

    func testEventsPastTheBufferAreCountedAndReportedBeforeTheNextOneThatFits() {
        var delivery = BoundedDelivery()
        var buffer: [PubSubEvent] = []
        var capacity = 3
        let offer: (PubSubEvent) -> Bool = { event in
            guard buffer.count < capacity else { return false }
            buffer.append(event)
            return true
        }
        for n in 1...7 { delivery.deliver(message(n), offer: offer) }
        XCTAssertEqual(describe(buffer), ["1", "2", "3"])
        XCTAssertEqual(delivery.dropped, 4)
        // The reader takes one: room for the notice only; the next message is dropped too.
        buffer.removeFirst()
        delivery.deliver(message(8), offer: offer)
        XCTAssertEqual(describe(buffer), ["2", "3", "dropped 4"])
        XCTAssertEqual(delivery.dropped, 1)
        // The reader catches up: the notice, then the message.
        buffer.removeAll()
        capacity = 10
        delivery.deliver(message(9), offer: offer)
        XCTAssertEqual(describe(buffer), ["dropped 1", "9"])
        XCTAssertEqual(delivery.dropped, 0)
    }

    func testNothingIsDroppedWhileTheBufferHasRoom() {
        var delivery = BoundedDelivery()
        var buffer: [PubSubEvent] = []
        for n in 1...5 { delivery.deliver(message(n)) { buffer.append($0); return true } }
        XCTAssertEqual(describe(buffer), ["1", "2", "3", "4", "5"])
        XCTAssertEqual(delivery.dropped, 0)
    }

    func testAnAsyncStreamThatKeepsTheOldestReportsWhatItRefused() async {
        let (stream, continuation) = AsyncStream.makeStream(of: PubSubEvent.self, bufferingPolicy: .bufferingOldest(2))
        var delivery = BoundedDelivery()
        for n in 1...5 { delivery.deliver(message(n)) { continuation.yield($0).wasEnqueued } }
        var iterator = stream.makeAsyncIterator()
        var seen: [PubSubEvent] = []
        for _ in 0..<2 { if let e = await iterator.next() { seen.append(e) } }
        delivery.deliver(message(6)) { continuation.yield($0).wasEnqueued }
        continuation.finish()
        while let e = await iterator.next() { seen.append(e) }
        XCTAssertEqual(describe(seen), ["1", "2", "dropped 3", "6"])
    }
}
