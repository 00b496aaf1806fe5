/// Where a cluster node listens, as the cluster advertises it (before `natMap`/`dnsLookup`).
///
/// ```swift
/// let seed = ClusterEndpoint(host: "127.0.0.1", port: 7000)
/// let parsed = ClusterEndpoint("[::1]:7001")   // host "::1", port 7001
/// ```
public struct ClusterEndpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port` or a bare IPv6 address followed by `:port`.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, with IPv6 hosts in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public static func < (l: ClusterEndpoint, r: ClusterEndpoint) -> Bool { (l.host, l.port) < (r.host, r.port) }
}
