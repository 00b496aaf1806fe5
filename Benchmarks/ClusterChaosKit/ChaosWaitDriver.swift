import RESP
import Redis
import RedisCluster
import SwiftEV

/// The client's operations, with every write (`SET`, `INCR`) sent with `WAIT 1 timeout` right
/// behind it on the connection that runs it (`RedisClusterClient.submit(_:waitingForReplicas:…)`):
/// the write counts as acknowledged only when a replica of the node that ran it confirmed it,
/// also when an `ASK` sent it to the importing node mid-reshard. A write that ran but that no
/// replica confirmed in time is reported as outcome unknown (a failover may lose it), never
/// as acknowledged.
public final class ChaosWaitDriver: ChaosDriver {
    public let client: RedisClusterClient
    private let plain: ChaosClientDriver
    /// `WAIT`'s own timeout: below the command timeout, so the answer is Redis' count rather
    /// than the client's deadline.
    public let waitTimeout: TimeAmount

    public init(client: RedisClusterClient, waitMilliseconds: Int) {
        self.client = client
        self.plain = ChaosClientDriver(client: client)
        self.waitTimeout = .milliseconds(Int64(waitMilliseconds))
    }

    public func set(key: String, value: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        write(RedisCommand("SET", key, value), "SET", done)
    }

    public func increment(key: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        write(RedisCommand("INCR", key), "INCR", done)
    }

    public func get(key: String, _ done: @escaping (ChaosLedger.Outcome, String?) -> Void) {
        plain.get(key: key, done)
    }

    private func write(_ command: RedisCommand, _ name: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        client.submit(command, waitingForReplicas: 1, timeout: waitTimeout) { result in
            done(Self.outcome(result, name))
        }
    }

    /// What a write sent with `WAIT 1` comes to for the ledger.
    public static func outcome(_ result: Result<ReplicatedReply, any Error>, _ write: String) -> ChaosLedger.Outcome {
        switch result {
        case .failure(let error):
            return ChaosClientDriver.outcome(of: error, write)
        case .success(let answer):
            switch answer.replicas {
            case .success(let replicas) where replicas >= 1:
                return .ok
            case .success:
                return .unknown("\(write) applied, WAIT 1: no replica confirmed in time")
            case .failure(let error):
                // The write ran on the primary; whether it survives is not known.
                switch ChaosClientDriver.outcome(of: error, "WAIT") {
                case .ok: return .ok
                case .unknown(let kind), .failed(let kind): return .unknown("\(write) applied, \(kind)")
                }
            }
        }
    }
}
