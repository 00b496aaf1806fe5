/// A reply that does not have the shape a ``RESPDecodable`` type needs.
///
/// ```swift
/// do { _ = try RESPValue.bulkString("abc").decode(as: Int.self) } catch {
///     print(error) // cannot decode Int from bulk string: "abc" is not a decimal integer
/// }
/// ```
public struct RESPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The Swift type that was asked for.
    public var expected: String
    /// The RESP type that arrived (``RESPValue/typeName``).
    public var actual: String
    /// Why the value did not fit, when the types alone do not say.
    public var detail: String?

    public init(expected: String, actual: String, detail: String? = nil) {
        self.expected = expected
        self.actual = actual
        self.detail = detail
    }

    init<T>(_ type: T.Type, from value: RESPValue, detail: String? = nil) {
        self.init(expected: String(describing: type), actual: value.typeName, detail: detail)
    }

    public var description: String {
        "cannot decode \(expected) from \(actual)" + (detail.map { ": \($0)" } ?? "")
    }
}
