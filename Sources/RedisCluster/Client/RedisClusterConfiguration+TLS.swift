import Redis

extension RedisClusterConfiguration {
    /// Whether the nodes are reached over TLS (`node.tls` is set). Discovery then reads the TLS
    /// ports the cluster advertises (`tls-port` in `CLUSTER SHARDS`; with `tls-cluster yes`,
    /// `CLUSTER SLOTS` and redirects already carry them).
    public var usesTLS: Bool { node.tls != nil }

    /// The name a node's certificate must carry (and its SNI): `node.tlsServerName`, else the
    /// TLS configuration's `serverName`, else the host the cluster advertises for the node —
    /// never the address `natMap` or `dnsLookup` dial, so a node reached through them is still
    /// verified as itself.
    ///
    /// ```swift
    /// config.dnsLookup = { _ in "127.0.0.1" }
    /// config.tlsServerName(for: ClusterEndpoint(host: "node-1.example", port: 6380))  // "node-1.example"
    /// ```
    public func tlsServerName(for endpoint: ClusterEndpoint) -> String? {
        guard let tls = node.tls else { return nil }
        return node.tlsServerName ?? tls.configuration.serverName ?? endpoint.host
    }
}
