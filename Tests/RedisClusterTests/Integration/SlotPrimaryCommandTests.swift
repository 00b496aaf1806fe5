import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// `submit(_:toPrimaryOf:onReply:)`: a keyless command on the connection to a slot's primary
/// (what WAIT after a write needs).
final class SlotPrimaryCommandTests: ClusterClientTestCase {
    /// Runs `command` on the primary of `slot` from the client's loop.
    private func onPrimary(of slot: Int, _ command: RedisCommand, client: RedisClusterClient) async throws -> RESPValue {
        let future = try await client.eventLoop.submit { () -> EventLoopFuture<RESPValue> in
            let promise = client.eventLoop.makePromise(of: RESPValue.self)
            client.submit(command, toPrimaryOf: slot) { promise.completeWith($0) }
            return promise.futureResult
        }.get()
        return try await future.get()
    }

    func testTheCommandRunsOnTheSlotsPrimaryOverTheClientsConnection() async throws {
        let client = makeClient(configuration(ports: try mainPorts()))
        try await client.connect()
        let known = await client.topology()
        let topology = try XCTUnwrap(known)
        for shard in topology.shards {
            let slot = try XCTUnwrap(shard.slots.first?.lowerBound)
            // CLIENT INFO names the server's own address of the connection: which node ran it.
            let info = try await onPrimary(of: slot, RedisCommand("CLIENT", "INFO"), client: client)
            let text: ByteBuffer
            switch info {
            case .bulkString(let bytes?), .verbatimString(_, let bytes): text = bytes  // RESP2 / RESP3
            default: return XCTFail("CLIENT INFO: \(info)")
            }
            guard let laddr = String(buffer: text).split(separator: " ").first(where: { $0.hasPrefix("laddr=") }) else {
                return XCTFail("CLIENT INFO without laddr: \(info)")
            }
            XCTAssertEqual(laddr.split(separator: ":").last.flatMap { Int($0) }, shard.primary.endpoint.port, "slot \(slot)")
        }
        // WAIT after a write to a key of the slot: its replica confirms it.
        let key = "slot-primary-test:\(UInt64.random(in: 0...UInt64.max))"
        try await client.send("SET", key, "v")
        let confirmed = try await onPrimary(of: HashSlot.slot(forKey: key), RedisCommand("WAIT", 1, 2000), client: client)
        XCTAssertEqual(confirmed, .integer(1))
        try await client.send("DEL", key)
    }
}
