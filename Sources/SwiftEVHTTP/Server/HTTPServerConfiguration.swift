import SwiftEV

/// Settings of an HTTP server connection.
///
/// ```swift
/// var configuration = HTTPServerConfiguration()
/// configuration.limits.maxBodySize = 8 << 20
/// configuration.requestReadTimeout = .seconds(10)
/// ```
public struct HTTPServerConfiguration: Sendable {
    /// Request line, header and body limits (414, 431, 413).
    public var limits: HTTPRequestParser.Limits
    /// How long a client may take to send a complete request once the server owes it nothing
    /// (the connection opened, or its last response was written): an idle keep-alive
    /// connection or a slow client (slowloris) is closed when it runs out. Nil: no limit.
    /// Default 30 s. Time the application spends answering does not count.
    public var requestReadTimeout: TimeAmount?
    /// Requests received but not yet answered at which the connection stops reading: further
    /// pipelined requests wait in the kernel (whose full buffer makes TCP slow the client down)
    /// until answers catch up, so a client cannot make the server buffer without bound.
    /// Default 256.
    public var maxPendingRequests: Int
    /// After an answer that ends the connection (a refusal, `Connection: close`), the server
    /// shuts down its sending side and reads, discarding, what the client still sends for at
    /// most this long before it closes: closing with unread requests in the socket would send
    /// a reset that can destroy the answer before the client reads it (RFC 9112 §9.6). Nil:
    /// close at once. Default 2 s.
    public var lingerTimeout: TimeAmount?

    public init(limits: HTTPRequestParser.Limits = .default, requestReadTimeout: TimeAmount? = .seconds(30), maxPendingRequests: Int = 256,
                lingerTimeout: TimeAmount? = .seconds(2)) {
        self.limits = limits
        self.requestReadTimeout = requestReadTimeout
        self.maxPendingRequests = maxPendingRequests
        self.lingerTimeout = lingerTimeout
    }
}
