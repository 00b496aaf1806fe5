import RESP
import Redis
import RedisCluster
import SwiftEV

/// The client's operations, with every write (`SET`, `INCR`) followed by `WAIT 1 timeout` on
/// the connection to the primary that acknowledged it: the write counts as acknowledged only
/// when at least one replica confirmed it. A write the primary took but no replica confirmed
/// in time is reported as outcome unknown (it may be lost in a failover), never as acknowledged.
public final class ChaosWaitDriver: ChaosDriver {
    public let client: RedisClusterClient
    private let plain: ChaosClientDriver
    /// `WAIT`'s own timeout (milliseconds): below the command timeout, so the answer is
    /// Redis' count rather than the client's deadline.
    public let waitMilliseconds: Int

    public init(client: RedisClusterClient, waitMilliseconds: Int) {
        self.client = client
        self.plain = ChaosClientDriver(client: client)
        self.waitMilliseconds = waitMilliseconds
    }

    public func set(key: String, value: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        write(RedisCommand("SET", key, value), "SET", key: key, done)
    }

    public func increment(key: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        write(RedisCommand("INCR", key), "INCR", key: key, done)
    }

    public func get(key: String, _ done: @escaping (ChaosLedger.Outcome, String?) -> Void) {
        plain.get(key: key, done)
    }

    private func write(_ command: RedisCommand, _ name: String, key: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        client.submit(command) { [client, waitMilliseconds] result in
            guard case .success = result else { return done(ChaosClientDriver.outcome(result, name)) }
            // Submitted from the write's reply callback: the connection to the primary that
            // carried the write is still the one the client holds for the slot.
            client.submit(RedisCommand("WAIT", 1, waitMilliseconds), toPrimaryOf: HashSlot.slot(forKey: key)) { reply in
                done(Self.outcome(ofWait: reply, after: name))
            }
        }
    }

    /// What `WAIT`'s answer makes of the write it followed (which the primary acknowledged).
    public static func outcome(ofWait reply: Result<RESPValue, any Error>, after write: String) -> ChaosLedger.Outcome {
        switch reply {
        case .success(.integer(let replicas)) where replicas >= 1:
            return .ok
        case .success(.integer):
            return .unknown("\(write) applied, WAIT 1: no replica confirmed in time")
        case .success:
            return .unknown("\(write) applied, WAIT 1: unexpected reply")
        case .failure(let error):
            // The write ran on the primary; whether it survives is not known.
            switch ChaosClientDriver.outcome(of: error, "WAIT") {
            case .ok: return .ok
            case .unknown(let kind), .failed(let kind): return .unknown("\(write) applied, \(kind)")
            }
        }
    }
}
