import Foundation
import Redis
import RedisCluster
import RESP
import SwiftEV
import SwiftEVTLS

/// The TLS nodes `scripts/test.sh` starts (`scripts/redis-cluster.sh --name tls start`), from
/// the variables it exports. A missing variable fails the test with a message saying how to
/// run it: tests never skip silently.
enum TLSTestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let detail: String
        var description: String {
            "TLS tests need the local TLS nodes: \(detail). Run them with scripts/test.sh "
                + "(e.g. `scripts/test.sh --filter RedisTLSTests`), which starts them and exports "
                + "SWIFTEV_TLS_CLUSTER_PORTS, SWIFTEV_TLS_NODE_PORTS and SWIFTEV_TLS_CERT_DIR."
        }
    }

    static let group = LibevEventLoopGroup(numberOfThreads: 1)
    static var loop: LibevEventLoop { group.loops[0] }

    static func ports(_ variable: String, count: Int) throws -> [Int] {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { throw Missing(detail: "\(variable) is not set") }
        let ports = text.split(separator: ",").compactMap { Int($0) }
        guard ports.count == count else { throw Missing(detail: "\(variable)=\(text) is not \(count) ports") }
        return ports
    }

    /// The 3+3 TLS cluster: primaries first, replica k+3 of primary k; node k is
    /// node-k.tls.swiftev.invalid.
    static func clusterPorts() throws -> [Int] { try ports("SWIFTEV_TLS_CLUSTER_PORTS", count: 6) }

    /// The standalone TLS nodes.
    enum Node: Int { case plain = 0, clientCertificateRequired, expired, wrongName, tls11Only }

    static func port(_ node: Node) throws -> Int { try ports("SWIFTEV_TLS_NODE_PORTS", count: 5)[node.rawValue] }

    static func certificate(_ name: String) throws -> String {
        guard let dir = ProcessInfo.processInfo.environment["SWIFTEV_TLS_CERT_DIR"], !dir.isEmpty else {
            throw Missing(detail: "SWIFTEV_TLS_CERT_DIR is not set")
        }
        return "\(dir)/\(name)"
    }

    static func context(trusting ca: String = "ca.crt", clientCertificate: Bool = false, serverName: String? = nil) throws -> TLSContext {
        var tls = TLSConfiguration.client
        tls.trustRoots = .file(try certificate(ca))
        tls.serverName = serverName
        if clientCertificate {
            tls.certificateChainFile = try certificate("client.crt")
            tls.privateKeyFile = try certificate("client.key")
        }
        return try TLSContext(configuration: tls)
    }

    static func configuration(_ tls: TLSContext, serverName: String? = nil) -> RedisConnectionConfiguration {
        var configuration = RedisConnectionConfiguration()
        configuration.tls = tls
        configuration.tlsServerName = serverName
        configuration.connectTimeout = .seconds(5)
        configuration.commandTimeout = .seconds(10)
        return configuration
    }

    static func connect(port: Int, _ configuration: RedisConnectionConfiguration) async throws -> RedisConnection {
        try await RedisConnection.connect(host: "127.0.0.1", port: port, configuration: configuration, on: loop)
    }

    /// A cluster client over TLS; the advertised node names resolve to 127.0.0.1. Every node a
    /// seed (by address, verified as 127.0.0.1): the first refresh already asks three of them,
    /// so no confirming refresh follows that could learn of a change before a MOVED does.
    static func clusterConfiguration() throws -> RedisClusterConfiguration {
        var config = RedisClusterConfiguration(seeds: try clusterPorts().map { .init(host: "127.0.0.1", port: $0) })
        config.node.tls = try context()
        config.dnsLookup = { host in host.hasSuffix(".tls.swiftev.invalid") ? "127.0.0.1" : nil }
        config.commandTimeout = .seconds(15)
        return config
    }

    /// Runs `body` with a connection to the cluster node on `port` (client certificate, verified
    /// by address), closing it afterwards.
    static func withNode<T: Sendable>(_ port: Int, _ body: (RedisConnection) async throws -> T) async throws -> T {
        let connection = try await connect(port: port, configuration(context(clientCertificate: true)))
        do {
            let result = try await body(connection)
            try? await connection.close().get()
            return result
        } catch {
            try? await connection.close().get()
            throw error
        }
    }
}
