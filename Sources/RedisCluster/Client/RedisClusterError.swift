import Redis
import RESP
import SwiftEVTLS

/// Why one node could not serve as a topology source: what a failed discovery or refresh lists
/// for every node it tried, so "failed to refresh slots cache" never appears without its causes.
public struct NodeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Cause: Sendable, Equatable, CustomStringConvertible {
        /// Could not connect (refused, unreachable, name not resolved, connect timeout).
        case unreachable(String)
        /// The handshake was refused: `WRONGPASS`, `NOAUTH`, `NOPERM`… (retrying will not help).
        case authenticationFailed(RESPServerError)
        /// Another handshake step was refused (`SELECT` in cluster mode, `READONLY`,
        /// `CLIENT SETNAME`…), naming the step and the server's reply. Not retried unless the
        /// reply says the node is only busy for now (`isPersistentRefusal`).
        case handshakeRefused(step: String, RESPServerError)
        /// Connected, but the node is not in cluster mode.
        case notClusterNode(String)
        /// No answer within `slotsRefreshTimeout`.
        case timedOut
        /// The topology reply could not be read.
        case badReply(String)
        /// The node's view disagreed with the majority, or it belongs to another cluster.
        case rejectedView(String)
        /// The cluster says it cannot serve requests (`cluster_state:fail`).
        case clusterNotReady(String)
        /// TLS failed: the certificate, its name, the version… (`TLSError.kind` says which).
        case tls(TLSError)
        case other(String)

        public var description: String {
            switch self {
            case .unreachable(let why): return "unreachable: \(why)"
            case .authenticationFailed(let reply): return "authentication refused: \(reply)"
            case .handshakeRefused(let step, let reply): return "handshake refused at \(step): \(reply)"
            case .notClusterNode(let why): return "not a cluster node: \(why)"
            case .timedOut: return "no topology reply in time"
            case .badReply(let why): return "unreadable topology reply: \(why)"
            case .rejectedView(let why): return "view rejected: \(why)"
            case .clusterNotReady(let why): return "cluster not ready: \(why)"
            case .tls(let error): return "\(error)"
            case .other(let why): return why
            }
        }

        /// The node refused this client and will refuse it again the same way: credentials,
        /// another handshake step (unless its reply is one a node gives while it is loading,
        /// busy or between primaries), or a TLS failure that is not a timeout. Commands for such
        /// a node fail at once, and discovery stops when every seed says so.
        public var isPersistentRefusal: Bool {
            switch self {
            case .authenticationFailed: return true
            case .handshakeRefused(_, let reply): return !Self.passingCodes.contains(reply.code)
            case .tls(let error): return error.isPersistent
            default: return false
            }
        }

        /// Server error codes that say "not now" rather than "not you".
        static let passingCodes: Set<String> = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"]
    }

    public var endpoint: ClusterEndpoint
    public var cause: Cause

    public init(endpoint: ClusterEndpoint, cause: Cause) {
        self.endpoint = endpoint
        self.cause = cause
    }

    public var description: String { "\(endpoint): \(cause)" }
}

/// What the cluster client itself reports (node-level failures arrive as `RedisError`, naming
/// the node and whether the command ran).
///
/// ```swift
/// do { try await cluster.send("MSETNX", "a", "1", "b", "2") }
/// catch let error as RedisClusterError {
///     if case .crossSlot(let keys) = error.kind { print("keys in different slots:", keys) }
/// }
/// ```
public struct RedisClusterError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No seed (or no known node) gave a usable topology; every node tried, with its cause.
        case noReachableNode([NodeFailure])
        /// `maxRedirections` redirects or retries were followed; `redirections` has the chain.
        case tooManyRedirections(limit: Int)
        /// A node kept redirecting the command to itself (a proxy or DNS name in front of the
        /// nodes, or a node that disagrees with itself); the topology was refreshed in between.
        case redirectLoop(ClusterEndpoint)
        /// The command's deadline passed while it waited to be redirected, retried or routed
        /// (the text says for what: a lost primary's replacement, a slot's owner, the topology).
        /// It did not run (every signal it got said so).
        case timedOutWaiting(for: String)
        /// The keys hash to different slots; nothing was sent.
        case crossSlot([CommandRoute.KeySlot])
        /// No shard serves the slot, even after a refresh.
        case slotNotCovered(Int)
        /// Too many commands already wait for a topology; not queued (not sent).
        case offlineQueueFull(limit: Int)
        /// The client has no usable topology and `enableOfflineQueue` is off; not sent.
        case offline
        /// The client was closed; the command was not sent.
        case clientClosed
        /// Every blocking connection to the node is in use and `queued` commands already wait
        /// for one; the command was not sent.
        case blockingConnectionsBusy(ClusterEndpoint, limit: Int, queued: Int)
        /// Every `transaction(watching:)` connection to the node is in use and `queued`
        /// transactions already wait for one; nothing was sent.
        case watchConnectionsBusy(ClusterEndpoint, limit: Int, queued: Int)
        /// A cluster-wide `SCAN` could not confirm every slot was scanned (`uncovered` ranges),
        /// after retrying on their owners; `why` says what went wrong last.
        case scanIncomplete(uncovered: [ClosedRange<Int>], why: String)
    }

    public var kind: Kind
    public var command: String?
    /// Redirects and retries the command went through, oldest first.
    public var redirections: [Redirection]

    public init(_ kind: Kind, command: String? = nil, redirections: [Redirection] = []) {
        self.kind = kind
        self.command = command
        self.redirections = redirections
    }

    /// Every kind says the command did not run: sending it again is safe.
    public var isSafeToRetry: Bool { true }

    public var description: String {
        let subject = command.map { "\($0): " } ?? ""
        let chain = redirections.isEmpty ? "" : " (went through: \(Self.chain(redirections)))"
        switch kind {
        case .noReachableNode(let failures):
            let list = failures.isEmpty ? "no nodes to try" : failures.map(\.description).joined(separator: "; ")
            return "\(subject)no cluster node gave a usable topology: \(list)"
        case .tooManyRedirections(let limit):
            return "\(subject)more than \(limit) redirects or retries; not executed\(chain)"
        case .redirectLoop(let node):
            return "\(subject)\(node) keeps redirecting the command to itself; not executed\(chain)"
        case .timedOutWaiting(let what):
            return "\(subject)timed out waiting for \(what); not executed\(chain)"
        case .crossSlot(let keys):
            return "\(subject)CROSSSLOT: keys in different slots: \(keys.map(\.description).joined(separator: ", ")); not sent"
        case .slotNotCovered(let slot):
            return "\(subject)no shard serves slot \(slot); not sent"
        case .offlineQueueFull(let limit):
            return "\(subject)more than \(limit) commands waiting for the cluster topology; not sent"
        case .offline:
            return "\(subject)the cluster topology is not known and the offline queue is off; not sent"
        case .clientClosed:
            return "\(subject)the cluster client is closed; not sent"
        case .blockingConnectionsBusy(let node, let limit, let queued):
            return "\(subject)all \(limit) blocking connections to \(node) are in use and \(queued) commands wait for one; not sent"
        case .watchConnectionsBusy(let node, let limit, let queued):
            return "\(subject)all \(limit) WATCH connections to \(node) are in use and \(queued) transactions wait for one; not sent"
        case .scanIncomplete(let uncovered, let why):
            let ranges = uncovered.prefix(8).map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            return "\(subject)SCAN could not confirm slots \(ranges.joined(separator: ","))\(uncovered.count > 8 ? "…" : "") were scanned: \(why)"
        }
    }
}

extension RedisClusterError {
    /// `MOVED 1 a → CLUSTERDOWN … ×23`: a command that waited out a failover went through the
    /// same signal dozens of times; one entry with a count keeps the message readable.
    static func chain(_ redirections: [Redirection]) -> String {
        var runs: [(Redirection, Int)] = []
        for redirection in redirections {
            if let last = runs.last, last.0 == redirection { runs[runs.count - 1].1 += 1 } else { runs.append((redirection, 1)) }
        }
        return runs.map { $0.1 == 1 ? $0.0.description : "\($0.0) ×\($0.1)" }.joined(separator: " → ")
    }
}
