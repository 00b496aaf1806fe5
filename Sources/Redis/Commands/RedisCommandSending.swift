import RESP

/// Something that sends Redis commands and returns their replies: a single-node
/// `RedisConnection` or a cluster client. Code written against it runs on either.
///
/// ```swift
/// func greet(_ redis: some RedisCommandSending) async throws -> String? {
///     try await redis.send("SET", "greeting", "hello")
///     return try await redis.send("GET", "greeting", as: String?.self)
/// }
/// ```
public protocol RedisCommandSending: Sendable {
    /// Sends `command` and waits for its reply; server error replies throw `RedisError.server`.
    @discardableResult
    func send(_ command: RedisCommand) async throws -> RESPValue
}

extension RedisCommandSending {
    /// Sends a command given as its words: `try await redis.send("HSET", "h", "f", 1)`.
    @discardableResult
    public func send<each Argument: RESPArgument>(_ name: String, _ arguments: repeat each Argument) async throws -> RESPValue {
        try await send(RedisCommand(name, repeat each arguments))
    }

    /// Sends a command and decodes its reply: `try await redis.send("GET", "k", as: String?.self)`.
    public func send<each Argument: RESPArgument, T: RESPDecodable>(
        _ name: String, _ arguments: repeat each Argument, as type: T.Type
    ) async throws -> T {
        try await send(RedisCommand(name, repeat each arguments)).decode(as: T.self)
    }
}
