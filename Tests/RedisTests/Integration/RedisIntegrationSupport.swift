import Foundation
import RESP
import SwiftEV
import XCTest
@testable import Redis

// Support for the integration tests: they run against the real Redis nodes that
// `scripts/test.sh` starts (a 6-node cluster, a standalone node and an auth node) and whose
// ports it exports. Missing variables fail the tests: they never skip silently.

/// The ports of the real Redis nodes, from the environment `scripts/test.sh` exports.
struct RedisTestEnvironment: Sendable {
    static let host = "127.0.0.1"

    let standalonePort: Int
    let authPort: Int
    let clusterPorts: [Int]

    struct Missing: Error, CustomStringConvertible {
        let detail: String
        var description: String {
            "Redis integration tests need real Redis nodes: \(detail). Run them with scripts/test.sh "
                + "(e.g. `scripts/test.sh --filter RedisIntegrationTests`), which starts the local cluster "
                + "and exports SWIFTEV_CLUSTER_PORTS, SWIFTEV_REDIS_STANDALONE_PORT and SWIFTEV_REDIS_AUTH_PORT."
        }
    }

    static func fromProcess() throws -> RedisTestEnvironment {
        let env = ProcessInfo.processInfo.environment
        func port(_ name: String) throws -> Int {
            guard let text = env[name], !text.isEmpty else { throw Missing(detail: "\(name) is not set") }
            guard let port = Int(text), (1...65535).contains(port) else {
                throw Missing(detail: "\(name)=\(text) is not a port number")
            }
            return port
        }
        guard let list = env["SWIFTEV_CLUSTER_PORTS"], !list.isEmpty else {
            throw Missing(detail: "SWIFTEV_CLUSTER_PORTS is not set")
        }
        let ports = list.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard ports.count == 6 else {
            throw Missing(detail: "SWIFTEV_CLUSTER_PORTS=\(list) does not list the 6 cluster ports")
        }
        return RedisTestEnvironment(
            standalonePort: try port("SWIFTEV_REDIS_STANDALONE_PORT"),
            authPort: try port("SWIFTEV_REDIS_AUTH_PORT"),
            clusterPorts: ports
        )
    }
}

/// One node of the cluster, as `CLUSTER NODES` describes it.
struct ClusterNodeInfo: Sendable, CustomStringConvertible {
    let id: String
    let host: String
    let port: Int
    let isPrimary: Bool
    /// The primary's id for a replica; nil for a primary.
    let primaryID: String?
    let slots: [ClosedRange<Int>]

    func owns(slot: Int) -> Bool { slots.contains { $0.contains(slot) } }

    var description: String { "\(isPrimary ? "primary" : "replica") \(host):\(port)" }

    /// Parses one line of `CLUSTER NODES`:
    /// `<id> <ip:port@cport> <flags> <primary> <ping> <pong> <epoch> <link> <slot> <slot> ...`
    init?(line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.count >= 8 else { return nil }
        let address = fields[1].split(separator: "@")[0]
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            return nil
        }
        id = String(fields[0])
        host = String(address[..<colon])
        self.port = port
        let flags = fields[2].split(separator: ",")
        isPrimary = flags.contains("master")
        primaryID = fields[3] == "-" ? nil : String(fields[3])
        // Slot fields are "a-b" or "a"; importing/migrating markers ("[...]") are skipped.
        slots = fields.dropFirst(8).compactMap { field -> ClosedRange<Int>? in
            guard !field.hasPrefix("[") else { return nil }
            let bounds = field.split(separator: "-").compactMap { Int($0) }
            switch bounds.count {
            case 1: return bounds[0]...bounds[0]
            case 2: return bounds[0]...bounds[1]
            default: return nil
            }
        }
    }
}

/// A node under test: the standalone node or one cluster node, with a hash tag whose slot it
/// serves (for a replica: its primary's), so keys built with `key(_:)` live there.
struct TestNode: Sendable, CustomStringConvertible {
    enum Role: Sendable { case standalone, primary, replica }
    let port: Int
    let role: Role
    /// Where writes go: the node itself, or a replica's primary.
    let primaryPort: Int
    /// Hash tag served by this node's shard (empty for the standalone node).
    let tag: String
    /// `id` from CLUSTER NODES (empty for the standalone node).
    let id: String

    var isCluster: Bool { role != .standalone }

    var description: String {
        switch role {
        case .standalone: return "standalone 127.0.0.1:\(port)"
        case .primary: return "cluster primary 127.0.0.1:\(port)"
        case .replica: return "cluster replica 127.0.0.1:\(port) (of \(primaryPort))"
        }
    }

    /// A key unique to this test run and node whose slot this node's shard serves.
    func key(_ name: String) -> String {
        tag.isEmpty ? "swiftev:it:\(runID):\(port):\(name)" : "{\(tag)}:it:\(runID):\(port):\(name)"
    }
}

/// Distinguishes the keys of one test process from those of earlier runs against the same nodes.
let runID = String(UUID().uuidString.prefix(8)).lowercased()

/// Base class: a fresh one-thread loop group per test, the environment, and helpers to
/// connect, to discover the cluster and to check errors.
class RedisIntegrationTestCase: XCTestCase {
    var environment: RedisTestEnvironment!
    var group: LibevEventLoopGroup!
    var host: String { RedisTestEnvironment.host }

    override func setUpWithError() throws {
        try super.setUpWithError()
        environment = try RedisTestEnvironment.fromProcess()
        group = LibevEventLoopGroup(numberOfThreads: 1)
    }

    override func tearDownWithError() throws {
        // Closes every connection a test left open.
        try group?.syncShutdown()
        group = nil
        try super.tearDownWithError()
    }

    var loop: LibevEventLoop { group.next() }

    func connect(
        port: Int,
        _ configure: (inout RedisConnectionConfiguration) -> Void = { _ in }
    ) async throws -> RedisConnection {
        var configuration = RedisConnectionConfiguration()
        configure(&configuration)
        return try await RedisConnection.connect(host: host, port: port, configuration: configuration, on: loop)
    }

    /// The cluster as node `clusterPorts[0]` sees it; fails unless it is the 6 nodes in the
    /// environment, 3 primaries with slots and one replica each.
    func clusterNodes() async throws -> [ClusterNodeInfo] {
        let admin = try await connect(port: environment.clusterPorts[0])
        defer { admin.close() }
        let text = try await admin.send("CLUSTER", "NODES", as: String.self)
        let nodes = text.split(whereSeparator: \.isNewline).compactMap(ClusterNodeInfo.init(line:))
        XCTAssertEqual(Set(nodes.map(\.port)), Set(environment.clusterPorts), "CLUSTER NODES: \(text)")
        XCTAssertEqual(nodes.filter(\.isPrimary).count, 3, "CLUSTER NODES: \(text)")
        XCTAssertEqual(nodes.filter(\.isPrimary).reduce(0) { $0 + $1.slots.reduce(0) { $0 + $1.count } }, 16384)
        return nodes.sorted { $0.port < $1.port }
    }

    /// A hash tag (`swiftev-N`) whose slot `primary` owns, found with `CLUSTER KEYSLOT`.
    func hashTag(ownedBy primary: ClusterNodeInfo, using connection: RedisConnection) async throws -> String {
        for batch in 0..<100 {
            let tags = (batch * 64..<(batch + 1) * 64).map { "swiftev-\($0)" }
            let replies = await connection.pipeline(tags.map { RedisCommand("CLUSTER", "KEYSLOT", $0) })
            for (tag, reply) in zip(tags, replies) {
                if primary.owns(slot: try reply.get().decode(as: Int.self)) { return tag }
            }
        }
        throw Failure("no hash tag found for \(primary)")
    }

    /// The standalone node and the 6 cluster nodes, each with a hash tag its shard serves.
    func allNodes() async throws -> [TestNode] {
        try await [TestNode(port: environment.standalonePort, role: .standalone, primaryPort: environment.standalonePort, tag: "", id: "")]
            + clusterTestNodes()
    }

    func clusterTestNodes() async throws -> [TestNode] {
        let nodes = try await clusterNodes()
        let admin = try await connect(port: environment.clusterPorts[0])
        defer { admin.close() }
        var tags: [String: String] = [:]
        for primary in nodes where primary.isPrimary {
            tags[primary.id] = try await hashTag(ownedBy: primary, using: admin)
        }
        return try nodes.map { node in
            let primaryID = node.primaryID ?? node.id
            guard let primary = nodes.first(where: { $0.id == primaryID }), let tag = tags[primaryID] else {
                throw Failure("\(node): its primary \(primaryID) is not in CLUSTER NODES")
            }
            return TestNode(port: node.port, role: node.isPrimary ? .primary : .replica, primaryPort: primary.port, tag: tag, id: node.id)
        }
    }

    /// Waits until at least one replica of the primary behind `connection` has every write
    /// so far (`WAIT 1 <ms>`), so reads on the replica see them.
    func waitForReplica(_ connection: RedisConnection, file: StaticString = #filePath, line: UInt = #line) async throws {
        let acknowledged = try await connection.send("WAIT", 1, 10_000, as: Int.self)
        XCTAssertGreaterThanOrEqual(acknowledged, 1, "WAIT 1: no replica acknowledged the writes", file: file, line: line)
    }

    /// Commands queued or awaiting a reply, read on the connection's loop.
    func pendingCount(_ connection: RedisConnection) async throws -> Int {
        try await connection.eventLoop.submit { connection.pendingCommandCount }.get()
    }

    /// Replies still owed, including those of timed-out commands (whose callers were answered).
    func repliesOwed(_ connection: RedisConnection) async throws -> Int {
        try await connection.eventLoop.submit { connection.correlator.repliesOwed }.get()
    }

    /// Runs `body`, expecting it to throw a `RedisError`; records a failure otherwise.
    func expectRedisError<T>(
        _ what: String, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> T
    ) async -> RedisError? {
        do {
            let value = try await body()
            XCTFail("\(what): expected a RedisError, got \(value)", file: file, line: line)
        } catch let error as RedisError {
            return error
        } catch {
            XCTFail("\(what): expected a RedisError, got \(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }

    /// Expects a server error reply with `code` (`WRONGTYPE`, `NOPERM`, ...).
    func expectServerError<T>(
        _ code: String, _ what: String, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> T
    ) async {
        guard let error = await expectRedisError(what, file: file, line: line, body) else { return }
        guard case .server(let reply) = error.kind else {
            return XCTFail("\(what): expected server error \(code), got \(error)", file: file, line: line)
        }
        XCTAssertEqual(reply.code, code, "\(what): \(error)", file: file, line: line)
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension RedisError.Kind {
    var serverError: RESPServerError? { if case .server(let e) = self { return e } else { return nil } }
    var closedOutcome: RedisError.Outcome? { if case .connectionClosed(let o) = self { return o } else { return nil } }
    var timeoutOutcome: RedisError.Outcome? { if case .timeout(let o) = self { return o } else { return nil } }
    var redirection: Redirection? { if case .redirected(let r) = self { return r } else { return nil } }
    var handshakeFailure: (step: String, reply: RESPServerError)? {
        if case .handshakeFailed(let step, let reply) = self { return (step, reply) } else { return nil }
    }
}

/// Random bytes, all 256 values likely (CR, LF and NUL included).
func randomBytes(_ count: Int) -> ByteBuffer {
    var buffer = ByteBuffer(capacity: count)
    var generator = SystemRandomNumberGenerator()
    buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
        var i = 0
        while i < count {
            var word = generator.next() as UInt64
            for _ in 0..<Swift.min(8, count - i) {
                pointer[i] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                i += 1
            }
        }
        return count
    }
    return buffer
}

/// `XCTAssertEqual` for a value that needs `await`: `try await expectEqual(await c.send("PING"), .simpleString("PONG"))`.
/// An error thrown while getting the value fails the test (it propagates).
func expectEqual<T: Equatable>(
    _ actual: @autoclosure () async throws -> T, _ expected: @autoclosure () throws -> T,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) async throws {
    let value = try await actual()
    XCTAssertEqual(value, try expected(), message(), file: file, line: line)
}
