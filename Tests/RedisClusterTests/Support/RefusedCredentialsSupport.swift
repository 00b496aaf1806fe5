import Redis
import XCTest
@testable import RedisCluster

extension XCTestCase {
    /// `error` is what a GET for `node` must fail with while the node refuses the client's
    /// credentials: the refused handshake (`WRONGPASS`), typed, naming the node and the command,
    /// not executed. Not a timeout: the command did not wait for its deadline.
    func assertRefusedCredentials(_ error: any Error, by node: ClusterEndpoint, command: String = "GET", file: StaticString = #filePath, line: UInt = #line) {
        guard let error = error as? RedisError, case .handshakeFailed(_, let reply) = error.kind else {
            return XCTFail("expected the refused handshake, got \(error)", file: file, line: line)
        }
        XCTAssertEqual(reply.code, "WRONGPASS", "\(error)", file: file, line: line)
        XCTAssertEqual(error.node, node.description, "names the node", file: file, line: line)
        XCTAssertEqual(error.command, command, file: file, line: line)
        XCTAssertTrue(error.isSafeToRetry, "not sent", file: file, line: line)
        XCTAssertTrue(error.description.contains("not executed"), error.description, file: file, line: line)
    }
}

extension ClusterClientTestCase {
    /// A connected client whose seed (the main cluster's first node) takes its own credentials,
    /// the local cluster's `default` user (`nopass`: any password), while every other node gets
    /// `user`/`password`, which they refuse unless a test creates that user. `commandTimeout` is
    /// far beyond anything a test waits: a command that failed did not wait for it. Returns a
    /// key (named `name`) served by the seed, and one served by another primary, `refusing`.
    func connectWithSeedCredentials(otherNodes user: String, password: String, keysNamed name: String) async throws
        -> (client: RedisClusterClient, seedKey: String, refusing: ClusterEndpoint, refusedKey: String) {
        let ports = try mainPorts()
        var config = configuration(ports: [])
        config.seeds = [.init(host: "127.0.0.1", port: ports[0], username: "default", password: "any")]
        config.node.username = user
        config.node.password = password
        config.commandTimeout = .seconds(30)
        let client = makeClient(config)
        try await client.connect()
        let maybeTopology = await client.topology()
        let topology = try XCTUnwrap(maybeTopology)
        let seedSlot = try XCTUnwrap(topology.shards.first { $0.primary.endpoint.port == ports[0] }?.slots.first?.lowerBound)
        let other = try XCTUnwrap(topology.shards.first { $0.primary.endpoint.port != ports[0] })
        let otherSlot = try XCTUnwrap(other.slots.first?.lowerBound)
        return (client, "{\(SlotKeys.tag(forSlot: seedSlot))}:\(name)", other.primary.endpoint,
                "{\(SlotKeys.tag(forSlot: otherSlot))}:\(name)")
    }
}
