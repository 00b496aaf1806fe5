import Redis

/// The delegate of a connection the coordinator does not route through (blocking commands,
/// subscriptions, scans): what its correlator cannot finish goes to the owner's closures, never
/// to the coordinator's general re-routing, which would send a cursor or a blocking pop to
/// whatever node serves its keys now without the owner knowing. A correlator holds its delegate
/// weakly: the owner keeps this object as long as the connection.
final class DedicatedChannelDelegate: NodeChannelDelegate {
    let redirected: (PendingCommand, Redirection) -> Void
    let returned: ([PendingCommand], RedisError) -> Void

    init(redirected: @escaping (PendingCommand, Redirection) -> Void, returned: @escaping ([PendingCommand], RedisError) -> Void) {
        self.redirected = redirected
        self.returned = returned
    }

    func nodeChannel(_ correlator: CommandCorrelator, redirected command: PendingCommand, by redirection: Redirection) {
        redirected(command, redirection)
    }

    func nodeChannel(_ correlator: CommandCorrelator, returned commands: [PendingCommand], cause: RedisError) {
        returned(commands, cause)
    }

    /// For a connection whose owner handles redirects itself (subscriptions, WATCH): a
    /// redirected command fails with `.redirected` for its caller to follow; what a lost
    /// connection hands back fails as not sent or outcome unknown.
    static func failingRedirects(node: ClusterEndpoint) -> DedicatedChannelDelegate {
        DedicatedChannelDelegate(
            redirected: { pending, redirection in
                pending.handler.complete(.failure(RedisError(.redirected(redirection), node: node.description, command: pending.command.name)))
            },
            returned: { commands, _ in fail(commands, node: node.description) })
    }

    /// Fails commands a lost connection handed back: never sent, or sent with no reply.
    static func fail(_ commands: [PendingCommand], node: String) {
        for pending in commands {
            let outcome: RedisError.Outcome = pending.wasSent ? .unknown : .notSent
            pending.handler.complete(.failure(RedisError(.connectionClosed(outcome), node: node, command: pending.command.name)))
        }
    }
}
