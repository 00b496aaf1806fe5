import RESP
import Redis
import RedisCluster
import SwiftEV

/// One way of carrying the workers' operations to the cluster, and of telling how each ended
/// as the caller saw it. Loop-confined: every call and every completion on the load's loop.
public protocol ChaosDriver: AnyObject {
    /// `SET key value` (idempotent: the value names worker and sequence).
    func set(key: String, value: String, _ done: @escaping (ChaosLedger.Outcome) -> Void)
    /// `GET key`: the value read (nil: none, or the read failed).
    func get(key: String, _ done: @escaping (ChaosLedger.Outcome, String?) -> Void)
    /// `INCR key` (not idempotent: an increment run twice shows in the final count).
    func increment(key: String, _ done: @escaping (ChaosLedger.Outcome) -> Void)
}

/// The operations as `RedisClusterClient` commands on the loop of `client`.
public final class ChaosClientDriver: ChaosDriver {
    public let client: RedisClusterClient

    public init(client: RedisClusterClient) {
        self.client = client
    }

    public func set(key: String, value: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        client.submit(RedisCommand("SET", key, value)) { done(Self.outcome($0, "SET")) }
    }

    public func get(key: String, _ done: @escaping (ChaosLedger.Outcome, String?) -> Void) {
        client.submit(RedisCommand("GET", key)) { result in
            done(Self.outcome(result, "GET"), (try? result.get().decode(as: String?.self)) ?? nil)
        }
    }

    public func increment(key: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        client.submit(RedisCommand("INCR", key)) { done(Self.outcome($0, "INCR")) }
    }

    /// How the caller saw a command end, by kind of error.
    public static func outcome(_ result: Result<RESPValue, any Error>, _ command: String) -> ChaosLedger.Outcome {
        switch result {
        case .success: return .ok
        case .failure(let error): return outcome(of: error, command)
        }
    }

    public static func outcome(of error: any Error, _ command: String) -> ChaosLedger.Outcome {
        if let error = error as? RedisError {
            switch error.kind {
            case .timeout(.unknown): return .unknown("\(command) timeout")
            case .connectionClosed(.unknown): return .unknown("\(command) connection closed")
            case .nodeUnresponsive(.unknown): return .unknown("\(command) node unresponsive")
            case .cancelled: return .unknown("\(command) cancelled")
            case .timeout(.notSent): return .failed("\(command) timeout (not sent)")
            case .connectionClosed(.notSent): return .failed("\(command) connection closed (not sent)")
            case .nodeUnresponsive(.notSent): return .failed("\(command) node unresponsive (not sent)")
            case .server(let reply): return .failed("\(command) server error \(reply.code)")
            default: return .failed("\(command) \(error.kind)")
            }
        }
        if let error = error as? RedisClusterError {
            switch error.kind {
            case .timedOutWaiting: return .failed("\(command) timed out waiting (not executed)")
            case .noReachableNode: return .failed("\(command) no reachable node")
            default: return .failed("\(command) \(error.kind)")
            }
        }
        return .failed("\(command) \(type(of: error))")
    }
}
