import Redis
import RESP

/// A Lua script known by its SHA-1: run with `EVALSHA`, falling back to `EVAL` (which also
/// caches it on that node) when the node answers `NOSCRIPT` — a node that never loaded it, a
/// replica promoted by a failover, a `SCRIPT FLUSH`.
///
/// ```swift
/// let bump = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
/// let n = try await cluster.run(bump, keys: ["{user:42}:n"], arguments: [5]).decode(as: Int.self)
/// ```
///
/// `NOSCRIPT` means nothing ran, so the fallback never runs the script twice. On a cluster,
/// the keys route the script to their slot's owner and must share a slot (checked before
/// sending). `readOnly` scripts use `EVALSHA_RO`/`EVAL_RO`, which replicas may serve.
public struct RedisScript: Sendable, Hashable {
    public let source: String
    /// The lower-case hex SHA-1 of `source`, as `SCRIPT LOAD` answers it.
    public let sha1: String
    public let readOnly: Bool

    public init(_ source: String, readOnly: Bool = false) {
        self.source = source
        self.sha1 = SHA1.hexDigest(source.utf8)
        self.readOnly = readOnly
    }

    /// `EVALSHA sha numkeys keys… arguments…` (`EVALSHA_RO` when read-only).
    public func evalSHA(keys: [any RESPArgument], arguments: [any RESPArgument]) -> RedisCommand {
        command(readOnly ? "EVALSHA_RO" : "EVALSHA", sha1, keys: keys, arguments: arguments)
    }

    /// `EVAL source numkeys keys… arguments…` (`EVAL_RO` when read-only).
    public func eval(keys: [any RESPArgument], arguments: [any RESPArgument]) -> RedisCommand {
        command(readOnly ? "EVAL_RO" : "EVAL", source, keys: keys, arguments: arguments)
    }

    private func command(_ name: String, _ body: String, keys: [any RESPArgument], arguments: [any RESPArgument]) -> RedisCommand {
        RedisCommand([name, body, keys.count] + keys + arguments, readOnly: readOnly)
    }

    /// Whether a failure is the server saying it does not have the script (nothing ran).
    public static func isNoScript(_ error: any Error) -> Bool {
        guard let error = error as? RedisError, case .server(let reply) = error.kind else { return false }
        return reply.code == "NOSCRIPT"
    }
}

extension RedisCommandSending {
    /// Runs `script` with `EVALSHA`, and with `EVAL` if the node does not have it. Works on a
    /// cluster client and a single connection alike.
    ///
    /// ```swift
    /// let script = RedisScript("return redis.call('GET', KEYS[1])", readOnly: true)
    /// let value = try await redis.run(script, keys: ["k"]).decode(as: String?.self)
    /// ```
    @discardableResult
    public func run(_ script: RedisScript, keys: [any RESPArgument] = [], arguments: [any RESPArgument] = []) async throws -> RESPValue {
        do {
            return try await send(script.evalSHA(keys: keys, arguments: arguments))
        } catch where RedisScript.isNoScript(error) {
            return try await send(script.eval(keys: keys, arguments: arguments))
        }
    }
}

extension RedisClusterClient {
    /// `run(_:keys:arguments:)` for code on the client's loop: `onReply` runs there. Must be
    /// called on the loop.
    public func submit(_ script: RedisScript, keys: [any RESPArgument] = [], arguments: [any RESPArgument] = [],
                       onReply: @escaping (Result<RESPValue, any Error>) -> Void) {
        submit(script.evalSHA(keys: keys, arguments: arguments)) { [self] result in
            if case .failure(let error) = result, RedisScript.isNoScript(error) {
                return submit(script.eval(keys: keys, arguments: arguments), onReply: onReply)
            }
            onReply(result)
        }
    }
}
