import RESP
import SwiftEV

/// What a cluster-wide scan delivers: pages of keys, and a notice each time it goes back over
/// nodes because some slots moved while they were scanned (keys after it may repeat).
public enum ClusterScanEvent: Sendable, CustomStringConvertible {
    /// One `SCAN` page from `node`.
    case keys([ByteBuffer], node: ClusterEndpoint)
    /// Slots could not be verified (a migration, a failover, a lost node): these nodes are
    /// scanned again from the start, so keys already delivered may be delivered again.
    case restarted(nodes: [ClusterEndpoint], reason: String)

    public var description: String {
        switch self {
        case .keys(let keys, let node): return "\(keys.count) keys from \(node)"
        case .restarted(let nodes, let reason): return "restarted on \(nodes): \(reason)"
        }
    }
}
