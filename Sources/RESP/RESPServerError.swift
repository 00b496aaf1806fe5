import SwiftEV

/// An error reply from the server (`-ERR ...` or a RESP3 bulk error), thrown when such a reply
/// is decoded as an ordinary value.
///
/// ```swift
/// let reply = RESPValue.simpleError("WRONGTYPE Operation against a key holding the wrong kind of value")
/// do { _ = try reply.decode(as: String.self) } catch let error as RESPServerError {
///     error.code    // "WRONGTYPE"
///     error.message // "Operation against a key holding the wrong kind of value"
/// }
/// ```
public struct RESPServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The first word of the error text, by Redis convention its code: `ERR`, `WRONGTYPE`, `MOVED`...
    public var code: String
    /// The rest of the text after the code.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// Splits an error text at its first space into code and message.
    public init(text: String) {
        if let space = text.firstIndex(of: " ") {
            self.init(code: String(text[..<space]), message: String(text[text.index(after: space)...]))
        } else {
            self.init(code: text, message: "")
        }
    }

    /// The error carried by a simple or bulk error reply (attributes looked through), else nil.
    public init?(_ value: RESPValue) {
        // Asked of every reply: the common answer (not an error) must not copy the value.
        switch value {
        case .simpleError(let text), .bulkError(let text): self.init(text: String(buffer: text))
        case .attribute: guard let text = value.withoutAttributes.errorText else { return nil }; self.init(text: text)
        default: return nil
        }
    }

    /// The text as the server sent it.
    public var description: String { message.isEmpty ? code : "\(code) \(message)" }
}
