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
    /// Requests received but not yet answered at which the connection stops parsing further
    /// pipelined requests (they stay buffered) until answers catch up. Default 256.
    public var maxPendingRequests: Int

    public init(limits: HTTPRequestParser.Limits = .default, requestReadTimeout: TimeAmount? = .seconds(30), maxPendingRequests: Int = 256) {
        self.limits = limits
        self.requestReadTimeout = requestReadTimeout
        self.maxPendingRequests = maxPendingRequests
    }
}
