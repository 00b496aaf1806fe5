import Redis
import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import RedisCluster

/// A node that refuses the client's credentials, on the in-memory loop with the clock moved by
/// hand: its commands fail at once with the refusal instead of waiting for their deadline, and
/// the node is dialled again only once per backoff interval.
final class RefusedCredentialsHarnessTests: XCTestCase {
    var cluster: ScriptedCluster!
    var coordinator: ClusterCoordinator!
    var results: [Result<RESPValue, any Error>] = []

    override func setUp() async throws {
        cluster = try ScriptedCluster()
    }

    func submitGET(_ key: String) {
        coordinator.submit(PendingCommand(command: RedisCommand("GET", key), handler: .callback(on: cluster.loop) { [unowned self] in
            results.append($0)
        }))
    }

    /// A key served by `shard` of the scripted cluster.
    func key(inShard shard: Int) -> String {
        "{\(SlotKeys.tag(forSlot: cluster.topology.shards[shard].slots[0].lowerBound))}:k"
    }

    func assertRefused(_ result: Result<RESPValue, any Error>, by node: ClusterEndpoint, command: String = "GET",
                       file: StaticString = #filePath, line: UInt = #line) {
        guard case .failure(let error) = result else { return XCTFail("expected the refusal, got \(result)", file: file, line: line) }
        assertRefusedCredentials(error, by: node, command: command, file: file, line: line)
    }

    func testCommandsFailAtOnceAndTheNodeIsDialledAgainOncePerBackoff() throws {
        let refusing = cluster.topology.shards[1].primary.endpoint
        cluster.refusingCredentials.insert(refusing)
        coordinator = cluster.readyCoordinator { $0.commandTimeout = .seconds(30) }
        XCTAssertNotNil(coordinator.topology, "the seed accepts the credentials")
        let dials = try XCTUnwrap(cluster.dials[refusing], "primaries are dialled at start")
        let key = key(inShard: 1)

        // Within the backoff: each command fails in the same turn of the loop, none dials.
        for _ in 0..<5 { submitGET(key) }
        XCTAssertEqual(results.count, 5, "failed at once, not at their deadline")
        for result in results { assertRefused(result, by: refusing) }
        XCTAssertEqual(cluster.dials[refusing], dials, "no dial per command")
        XCTAssertEqual(coordinator.waiting.count, 0, "nothing parked")
        XCTAssertEqual(coordinator.statistics.waited, 0, "nothing waited for the node")

        // After the backoff: the next command dials once; another one queues behind that dial;
        // the refusal fails both.
        results.removeAll()
        cluster.loop.advanceTime(by: .seconds(3))
        cluster.answerTopologyQueries()
        XCTAssertEqual(cluster.dials[refusing], dials, "refreshes do not dial a node that is down")
        submitGET(key)
        submitGET(key)
        XCTAssertTrue(results.isEmpty, "waiting for the handshake")
        XCTAssertEqual(cluster.dials[refusing], dials + 1, "one dial for both")
        cluster.loop.run()
        XCTAssertEqual(results.count, 2)
        for result in results { assertRefused(result, by: refusing) }

        // The credentials are accepted again (fixed on the server): once the (doubled) backoff
        // is over, the node is dialled and serves.
        cluster.refusingCredentials.remove(refusing)
        results.removeAll()
        submitGET(key)
        assertRefused(try XCTUnwrap(results.first), by: refusing)
        results.removeAll()
        cluster.loop.advanceTime(by: .seconds(3))
        cluster.answerTopologyQueries()
        submitGET(key)
        cluster.loop.run()
        XCTAssertTrue(try XCTUnwrap(cluster.nodes[refusing]).answer("GET", with: .null))
        guard case .success(.null)? = results.first else { return XCTFail("\(results)") }
        XCTAssertEqual(cluster.dials[refusing], dials + 2)
    }

    /// Blocking commands queued for a node's one blocking connection: its dial is refused, and
    /// the commands queued behind it fail with the same refusal instead of each dialling in turn.
    func testBlockingCommandsQueuedBehindARefusedDialFailWithItWithoutDiallingEach() throws {
        let refusing = cluster.topology.shards[1].primary.endpoint
        coordinator = cluster.readyCoordinator { $0.maxBlockingConnectionsPerNode = 1 }
        cluster.refusingCredentials.insert(refusing)  // the shared connection is already open
        let dials = try XCTUnwrap(cluster.dials[refusing])
        let key = key(inShard: 1)
        for _ in 0..<4 {
            coordinator.submit(PendingCommand(command: RedisCommand("BLPOP", key, 1), handler: .callback(on: cluster.loop) { [unowned self] in
                results.append($0)
            }))
        }
        cluster.loop.run()
        XCTAssertEqual(results.count, 4, "all failed at once")
        for result in results { assertRefused(result, by: refusing, command: "BLPOP") }
        XCTAssertEqual(cluster.dials[refusing], dials + 1, "one dial, not one per command")
    }

    /// `WAIT` for a slot whose primary refused the credentials (it goes only to an open
    /// connection, so it cannot dial): it fails with the refusal, not "no open connection".
    func testACommandForTheSlotsPrimaryConnectionFailsWithTheRefusal() throws {
        let refusing = cluster.topology.shards[1].primary.endpoint
        cluster.refusingCredentials.insert(refusing)
        coordinator = cluster.readyCoordinator { $0.commandTimeout = .seconds(30) }
        let slot = cluster.topology.shards[1].slots[0].lowerBound
        coordinator.submit(PendingCommand(command: RedisCommand("WAIT", 1, 100), handler: .callback(on: cluster.loop) { [unowned self] in
            results.append($0)
        }), toPrimaryOf: slot)
        cluster.loop.run()
        guard case .failure(let error as RedisError)? = results.first, case .handshakeFailed(_, let reply) = error.kind else {
            return XCTFail("expected the refused handshake, got \(results)")
        }
        XCTAssertEqual(reply.code, "WRONGPASS")
        XCTAssertEqual(error.node, refusing.description)
        XCTAssertEqual(error.command, "WAIT")
    }

    /// A connected node loses its connection and refuses the credentials when dialled again
    /// (its user was changed). A command that waited for it meanwhile fails with the refusal as
    /// soon as it is known, not as a timeout at its deadline.
    func testACommandWaitingForALostNodeFailsWithTheRefusalOfTheNextDial() throws {
        coordinator = cluster.readyCoordinator { $0.commandTimeout = .seconds(30) }
        let key = key(inShard: 1)
        let node = try XCTUnwrap(cluster.nodes[cluster.topology.shards[1].primary.endpoint])
        cluster.refusingCredentials.insert(node.endpoint)
        node.close()
        cluster.loop.run()
        submitGET(key)
        XCTAssertTrue(results.isEmpty, "waits for the lost node or its replacement")
        XCTAssertEqual(coordinator.waiting.count, 1)
        for _ in 0..<10 where results.isEmpty {
            cluster.loop.advanceTime(by: .milliseconds(100))
            cluster.answerTopologyQueries()
        }
        XCTAssertEqual(results.count, 1)
        assertRefused(try XCTUnwrap(results.first), by: node.endpoint)
        XCTAssertEqual(coordinator.waiting.count, 0)
    }
}
