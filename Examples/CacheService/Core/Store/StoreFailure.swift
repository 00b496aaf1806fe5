import Redis
import RedisCluster
import RESP

/// A failed Redis command as the service reports it: `503` (unavailable) or `504` (timed
/// out), whether the command may have run, and a short kind for the errors metric.
///
/// The outcome comes from the client's own errors, which know whether a command reached the
/// server: a write whose outcome is unknown is reported as such and never retried here.
public struct StoreFailure: Equatable, Sendable {
    public var status: Int
    public var outcome: CacheResponse.Outcome
    /// Label for the errors-by-kind metric (a small fixed set).
    public var kind: String
    public var message: String

    public init(status: Int, outcome: CacheResponse.Outcome, kind: String, message: String) {
        self.status = status
        self.outcome = outcome
        self.kind = kind
        self.message = message
    }

    public init(_ error: any Error) {
        switch error {
        case let error as RedisError: self = Self.classify(error)
        case let error as RedisClusterError: self = Self.classify(error)
        default: self.init(status: 503, outcome: .unknown, kind: "other", message: "\(error)")
        }
    }

    public var response: CacheResponse {
        CacheResponse.error(status: status, message: message, outcome: outcome)
    }

    private static func classify(_ error: RedisError) -> StoreFailure {
        let text = error.description
        func outcome(_ o: RedisError.Outcome) -> CacheResponse.Outcome { o == .notSent ? .notApplied : .unknown }
        switch error.kind {
        case .server:
            // An error reply means the server refused the command: it did not run.
            return StoreFailure(status: 503, outcome: .notApplied, kind: "server_error", message: text)
        case .timeout(let o):
            return StoreFailure(status: 504, outcome: outcome(o), kind: "timeout", message: text)
        case .nodeUnresponsive(let o):
            return StoreFailure(status: 504, outcome: outcome(o), kind: "node_unresponsive", message: text)
        case .connectionClosed(let o):
            return StoreFailure(status: 503, outcome: outcome(o), kind: "connection_closed", message: text)
        case .handshakeFailed:
            return StoreFailure(status: 503, outcome: .notApplied, kind: "handshake_failed", message: text)
        case .redirected, .redirectedInTransaction:
            return StoreFailure(status: 503, outcome: .notApplied, kind: "redirect", message: text)
        case .tooManyPendingCommands:
            return StoreFailure(status: 503, outcome: .notApplied, kind: "overloaded", message: text)
        case .cancelled, .protocolError, .unexpectedReply:
            return StoreFailure(status: 503, outcome: .unknown, kind: "protocol", message: text)
        }
    }

    private static func classify(_ error: RedisClusterError) -> StoreFailure {
        // Every cluster-level failure says the command was not sent.
        let text = error.description
        switch error.kind {
        case .timedOutWaiting:
            return StoreFailure(status: 504, outcome: .notApplied, kind: "timeout", message: text)
        case .tooManyRedirections, .redirectLoop:
            return StoreFailure(status: 503, outcome: .notApplied, kind: "redirect", message: text)
        case .offlineQueueFull, .blockingConnectionsBusy, .watchConnectionsBusy:
            return StoreFailure(status: 503, outcome: .notApplied, kind: "overloaded", message: text)
        case .noReachableNode, .slotNotCovered, .offline, .crossSlot, .scanIncomplete:
            return StoreFailure(status: 503, outcome: .notApplied, kind: "cluster_unavailable", message: text)
        case .clientClosed:
            return StoreFailure(status: 503, outcome: .notApplied, kind: "shutting_down", message: text)
        }
    }
}
