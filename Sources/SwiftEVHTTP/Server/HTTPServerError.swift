/// Why the HTTP server stages closed a connection on their own.
public enum HTTPServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The client sent more than this many bytes of pipelined requests while the server was
    /// still answering earlier ones (`HTTPServerConfiguration.maxPendingRequests` reached).
    case pipelinedInputOverflow(limit: Int)
    /// No complete request within `HTTPServerConfiguration.requestReadTimeout` while the
    /// server owed the client nothing.
    case requestReadTimeout

    public var description: String {
        switch self {
        case .pipelinedInputOverflow(let limit): "more than \(limit) bytes of pipelined requests waiting for earlier answers"
        case .requestReadTimeout: "no complete request within the read timeout"
        }
    }
}
