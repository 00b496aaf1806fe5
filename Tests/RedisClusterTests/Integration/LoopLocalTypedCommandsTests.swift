import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// The generated typed commands' loop-local forms (`sender.onLoop.get(…)`) on the real cluster
/// and the real standalone node: called from code already on the sender's loop, callbacks and
/// futures complete on that loop with the replies decoded as the `async` methods decode them.
final class LoopLocalTypedCommandsTests: ClusterClientTestCase {
    func testTypedCommandsFromTheClusterClientsLoop() async throws {
        let client = makeClient(configuration(ports: [try mainPorts()[0]]))
        try await client.connect()
        try await roundTrip(client, where: "cluster")
    }

    func testTypedCommandsFromTheConnectionsLoop() async throws {
        let port = try ClusterTestPorts.list("SWIFTEV_REDIS_STANDALONE_PORT", count: 1)[0]
        let connection = try await node(port)
        try await roundTrip(connection, where: "standalone")
        try await connection.close().get()
    }

    /// What the loop-local calls saw, gathered on the loop and handed back once.
    struct Observed: Sendable {
        var set: RESPValue?
        var msetSucceeded = false
        var get: ByteBuffer??
        var missing: ByteBuffer??
        var counts: [Int] = []
        var hashFields = 0
        var all: [ByteBuffer: ByteBuffer] = [:]
        var incrOnStringError: String?
        var lrangeOnStringError: String?
        var deleted: Int?
        var everyCompletionOnTheLoop = true
    }

    /// Every command is issued in one turn of the loop, with no task in between; keys share a
    /// hash tag so they stay on one node of the cluster and the replies come back in order.
    func roundTrip(_ sender: some RedisLoopLocalSending, where place: String) async throws {
        let tag = "{onloop-\(UUID().uuidString.prefix(8))}"
        let (string, counter, hash, missing) = (RedisKey("\(tag):s"), RedisKey("\(tag):n"), RedisKey("\(tag):h"), RedisKey("\(tag):none"))
        let loop = sender.eventLoop
        let observed = try await loop.submit { () -> EventLoopFuture<Observed> in
            let box = ObservedBox()
            let redis = sender.onLoop
            func onLoop() { if !loop.inEventLoop { box.value.everyCompletionOnTheLoop = false } }
            func code(_ error: any Error) -> String? {
                guard let error = error as? RedisError, case .server(let reply) = error.kind else { return "\(error)" }
                return reply.code
            }
            // Future forms: raw reply, optional bulk, integer; callback forms: Void, integer, map.
            redis.set(string, value: "v1", expiration: .seconds(60)).whenSuccess { onLoop(); box.value.set = $0 }
            redis.mset([(key: RedisKey("\(tag):m"), value: "a")]) { result in
                onLoop()
                if case .success = result { box.value.msetSucceeded = true }
            }
            redis.get(string).whenSuccess { onLoop(); box.value.get = .some($0) }
            redis.get(missing) { result in onLoop(); box.value.missing = try? result.get() }
            redis.incrby(counter, increment: 41).whenSuccess { onLoop(); box.value.counts.append($0) }
            redis.incr(counter) { result in onLoop(); if let count = try? result.get() { box.value.counts.append(count) } }
            redis.hset(hash, fields: [(field: "f1", value: "1"), (field: "f2", value: "two")]) { result in
                onLoop()
                box.value.hashFields = (try? result.get()) ?? -1
            }
            redis.hgetall(hash).whenSuccess { onLoop(); box.value.all = $0 }
            // Server errors arrive as failures, in either form.
            redis.incr(string).whenFailure { onLoop(); box.value.incrOnStringError = code($0) }
            redis.lrange(string, start: 0, stop: -1) { result in
                onLoop()
                if case .failure(let error) = result { box.value.lrangeOnStringError = code(error) }
            }
            return redis.del([string, counter, hash, RedisKey("\(tag):m")]).map { deleted in
                onLoop()
                box.value.deleted = deleted
                return box.value
            }
        }.get().get()

        XCTAssertTrue(observed.everyCompletionOnTheLoop, place)
        XCTAssertEqual(observed.set, .simpleString("OK"), place)
        XCTAssertTrue(observed.msetSucceeded, place)
        XCTAssertEqual(observed.get, .some(ByteBuffer(string: "v1")), place)
        XCTAssertEqual(observed.missing, .some(nil), place)
        XCTAssertEqual(observed.counts, [41, 42], place)
        XCTAssertEqual(observed.hashFields, 2, place)
        XCTAssertEqual(observed.all, [ByteBuffer(string: "f1"): ByteBuffer(string: "1"), ByteBuffer(string: "f2"): ByteBuffer(string: "two")], place)
        XCTAssertEqual(observed.incrOnStringError, "ERR", place)
        XCTAssertEqual(observed.lrangeOnStringError, "WRONGTYPE", place)
        XCTAssertEqual(observed.deleted, 4, "\(place): every key the test wrote")
    }
}

/// Loop-confined: made and filled on the sender's loop, read there once at the end.
private final class ObservedBox {
    var value = LoopLocalTypedCommandsTests.Observed()
}
