import Foundation

/// The ports of the local clusters `scripts/test.sh` starts, from the variables it exports.
/// A missing or malformed variable fails the test with a message saying how to run it: tests
/// never skip silently.
///
/// ```swift
/// let ports = try ClusterTestPorts.list("SWIFTEV_SCRATCH_CLUSTER_PORTS", count: 6)
/// ```
enum ClusterTestPorts {
    /// The main 3+3 cluster (shared by every test: never change its layout).
    static let main = "SWIFTEV_CLUSTER_PORTS"
    /// The 3+3 scratch cluster for destructive tests (failover, kill -9, reshard).
    static let scratch = "SWIFTEV_SCRATCH_CLUSTER_PORTS"
    /// Two empty cluster-enabled nodes to add to the scratch cluster as a primary+replica pair.
    static let spares = "SWIFTEV_SPARE_NODE_PORTS"
    /// Three primaries announcing `node-N.swiftev.invalid` host names.
    static let hostname = "SWIFTEV_HOSTNAME_CLUSTER_PORTS"

    struct Missing: Error, CustomStringConvertible {
        let detail: String
        var description: String {
            "Redis Cluster tests need the local clusters: \(detail). Run them with scripts/test.sh "
                + "(e.g. `scripts/test.sh --filter RedisClusterTests`), which starts them and exports "
                + "\(ClusterTestPorts.main), \(ClusterTestPorts.scratch), \(ClusterTestPorts.spares) and "
                + "\(ClusterTestPorts.hostname)."
        }
    }

    /// The comma-separated ports in `variable`, which must list exactly `count` of them.
    static func list(_ variable: String, count: Int) throws -> [Int] {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else {
            throw Missing(detail: "\(variable) is not set")
        }
        let ports = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard ports.count == count, ports.allSatisfy({ $0.map { (1...65535).contains($0) } ?? false }) else {
            throw Missing(detail: "\(variable)=\(text) is not a list of \(count) ports")
        }
        return ports.compactMap { $0 }
    }
}
