/// The option types of the typed commands: one enum per `oneof` argument in `COMMAND DOCS`,
/// named after the command and the argument (`SET`'s expiration is `SetExpiration`).
/// Callers rarely spell them: the cases read at the call site.
///
/// ```swift
/// try await redis.set("session", value: token, condition: .nx, expiration: .seconds(60))
/// ```
public enum RedisArguments {}
