import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Starting a client against the real local cluster: from one seed, past dead seeds, with
/// every seed dead, with refused credentials.
final class DiscoveryClusterTests: ClusterClientTestCase {
    func testDiscoversTheWholeClusterFromOneSeed() async throws {
        let ports = try mainPorts()
        let client = makeClient(configuration(ports: [ports[4]]))
        try await client.connect()
        let topologyMaybe = await client.topology()
        let topology = try XCTUnwrap(topologyMaybe)
        XCTAssertEqual(topology.shards.count, 3)
        XCTAssertEqual(topology.coveredSlots, 16384)
        XCTAssertEqual(Set(topology.nodes.map(\.endpoint.port)), Set(ports))
        XCTAssertTrue(topology.shards.allSatisfy { $0.replicas.count == 1 })
        try await client.send("SET", "discovery:one-seed", "yes")
        let value = try await client.send("GET", "discovery:one-seed", as: String?.self)
        XCTAssertEqual(value, "yes")
    }

    func testDeadSeedsFirstStillConnect() async throws {
        let ports = try mainPorts()
        // Nothing listens on port 1 or on 127.0.0.3:<cluster port> (refused at once on loopback).
        var config = configuration(ports: [1] + [ports[2]])
        config.seeds.insert(.init(host: "127.0.0.3", port: ports[0]), at: 1)
        let client = makeClient(config)
        try await client.connect()
        let topology = await client.topology()
        XCTAssertEqual(topology?.coveredSlots, 16384)
    }

    func testAllSeedsDeadNamesEachSeedsCause() async throws {
        var config = configuration(ports: [1, 2])
        config.clusterRetryStrategy = { attempt, _ in attempt >= 2 ? nil : .milliseconds(20) }
        let client = makeClient(config)
        do {
            try await client.connect()
            XCTFail("connect should fail")
        } catch let error as RedisClusterError {
            guard case .noReachableNode(let failures) = error.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(Set(failures.map(\.endpoint.port)), [1, 2], "\(error)")
            for failure in failures {
                guard case .unreachable(let why) = failure.cause else { return XCTFail("\(failure)") }
                XCTAssertTrue(why.contains("refused"), why)
            }
            XCTAssertTrue(error.description.contains("127.0.0.1:1: unreachable"), error.description)
        }
        // A command sent meanwhile fails with the same causes rather than hanging.
        do {
            _ = try await client.send("GET", "k")
            XCTFail("should fail")
        } catch let error as RedisClusterError {
            guard case .noReachableNode = error.kind else { return XCTFail("\(error)") }
        }
    }

    func testRefusedCredentialsFailAtOnceWithWrongpass() async throws {
        let ports = try mainPorts()
        var config = configuration(ports: Array(ports.prefix(2)))
        config.node.username = "nobody"
        config.node.password = "wrong"
        config.clusterRetryStrategy = { _, _ in .seconds(30) }  // would hang for minutes if retried
        let client = makeClient(config)
        do {
            try await client.connect()
            XCTFail("connect should fail")
        } catch let error as RedisClusterError {
            guard case .noReachableNode(let failures) = error.kind, failures.count == 2 else { return XCTFail("\(error)") }
            for failure in failures {
                guard case .authenticationFailed(let reply) = failure.cause else { return XCTFail("\(failure)") }
                XCTAssertEqual(reply.code, "WRONGPASS")
            }
        }
    }

    /// A handshake step the nodes refuse for good (`SELECT`, which cluster mode does not
    /// allow) is not retried either: connect fails at once naming the step and the reply.
    func testARefusedHandshakeStepFailsAtOnceNamingIt() async throws {
        let ports = try mainPorts()
        var config = configuration(ports: Array(ports.prefix(2)))
        config.node.database = 1
        config.clusterRetryStrategy = { _, _ in .seconds(30) }  // would hang for minutes if retried
        let client = makeClient(config)
        do {
            try await client.connect()
            XCTFail("connect should fail")
        } catch let error as RedisClusterError {
            guard case .noReachableNode(let failures) = error.kind, failures.count == 2 else { return XCTFail("\(error)") }
            for failure in failures {
                guard case .handshakeRefused(let step, let reply) = failure.cause else { return XCTFail("\(failure)") }
                XCTAssertEqual(step, "SELECT")
                XCTAssertTrue(reply.message.contains("cluster mode"), "\(reply)")
            }
            XCTAssertTrue(error.description.contains("handshake refused at SELECT"), error.description)
        }
    }

    /// A seed's own credentials override the common node configuration for that node only:
    /// here the common ones are refused, so the seed works and every other node is refused.
    func testASeedsCredentialsOverrideTheNodeConfigurationForThatNodeOnly() async throws {
        // User "nobody" exists on no node.
        let (client, onSeed, other, onOther) = try await connectWithSeedCredentials(otherNodes: "nobody", password: "wrong",
                                                                                    keysNamed: "seed-credentials")
        try await client.send("SET", onSeed, "ok")
        let value = try await client.send("GET", onSeed, as: String?.self)
        XCTAssertEqual(value, "ok", "the seed took its own credentials")
        try await client.send("DEL", onSeed)
        do {
            try await client.send("GET", onOther)
            XCTFail("another node should refuse the common credentials")
        } catch {
            XCTAssertTrue("\(error)".contains("WRONGPASS"), "\(error)")
            XCTAssertTrue("\(error)".contains("\(other.port)"), "names the node: \(error)")
        }
    }

    func testNotAClusterNodeIsNamedAsSuch() async throws {
        let standalone = try ClusterTestPorts.list("SWIFTEV_REDIS_STANDALONE_PORT", count: 1)[0]
        var config = configuration(ports: [standalone])
        config.clusterRetryStrategy = { _, _ -> TimeAmount? in nil }
        let client = makeClient(config)
        do {
            try await client.connect()
            XCTFail("connect should fail")
        } catch let error as RedisClusterError {
            guard case .noReachableNode(let failures) = error.kind, let failure = failures.first else { return XCTFail("\(error)") }
            guard case .notClusterNode = failure.cause else { return XCTFail("\(failure)") }
        }
    }

    func testCommandsSentBeforeReadyWaitAndSucceed() async throws {
        let ports = try mainPorts()
        let client = makeClient(configuration(ports: [ports[0]]))
        async let a = client.send("SET", "early:{a}", "1")
        async let b = client.send("INCR", "early:counter")
        _ = try await (a, b)
        let value = try await client.send("GET", "early:{a}", as: String.self)
        XCTAssertEqual(value, "1")
    }

    func testEventsTellConnectsReadyAndEndAfterClose() async throws {
        let ports = try mainPorts()
        let client = makeClient(configuration(ports: [ports[1]]))
        try await client.connect()
        let primaries = try await client.nodes(.primaries).map(\.node)
        XCTAssertEqual(primaries.count, 3)
        await client.close()
        var connected = Set<Int>(), ready = 0, ended = 0
        for await event in client.events {  // the stream ends after close()
            switch event {
            case .connect(let node): connected.insert(node.port)
            case .ready: ready += 1
            case .end: ended += 1
            default: break
            }
        }
        XCTAssertEqual(ready, 1)
        XCTAssertEqual(ended, 1)
        let topology = Set(ports)
        XCTAssertTrue(connected.isSubset(of: topology))
        for primary in primaries {
            XCTAssertTrue(connected.contains(ClusterEndpoint(primary)!.port), "connect event for \(primary): \(connected)")
        }
    }

    func testASeedOfAnotherClusterIsKeptOut() async throws {
        let ports = try mainPorts()
        let other = try ClusterTestPorts.list(ClusterTestPorts.hostname, count: 3)[0]
        // A stale seed list: its first entry now belongs to another cluster.
        let client = makeClient(configuration(ports: [other, ports[0], ports[1]]))
        try await client.connect()
        let maybeTopology = await client.topology()
        let topology = try XCTUnwrap(maybeTopology)
        XCTAssertEqual(Set(topology.nodes.map(\.endpoint.port)), Set(ports), "the majority's cluster, not the stale seed's")
        try await client.send("SET", "foreign-seed", "ok")
    }

    func testOfflineQueueIsBounded() async throws {
        var config = configuration(ports: [1])
        config.maxOfflineQueue = 2
        config.commandTimeout = .seconds(30)
        config.clusterRetryStrategy = { _, _ in .milliseconds(50) }  // keeps trying: commands wait
        let client = makeClient(config)
        let waiting = [client.submit(RedisCommand("GET", "a")), client.submit(RedisCommand("GET", "b"))]
        do {
            _ = try await client.send("GET", "c")
            XCTFail("a third command must not queue")
        } catch let error as RedisClusterError {
            XCTAssertEqual(error.kind, .offlineQueueFull(limit: 2))
        }
        await client.close()
        for future in waiting {
            do {
                _ = try await future.get()
                XCTFail("no cluster: must fail")
            } catch let error as RedisClusterError {
                XCTAssertEqual(error.kind, .clientClosed, "queued commands fail when the client closes")
            }
        }
    }

    func testCancellingAWaitingCommandWithdrawsIt() async throws {
        var config = configuration(ports: [1])
        config.commandTimeout = .seconds(60)
        config.clusterRetryStrategy = { _, _ in .milliseconds(50) }  // no cluster: it waits
        let client = makeClient(config)
        let task = Task { try await client.send("SET", "never", "sent") }
        let stats = { await client.statistics().waited }
        let deadline = ContinuousClock.now + .seconds(10)
        while await stats() == 0 {  // until it is in the waiting queue
            guard ContinuousClock.now < deadline else { return XCTFail("the command never waited") }
            await Task.yield()
        }
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled command must not succeed")
        } catch is CancellationError {
            // withdrawn before it was sent
        }
    }
}
