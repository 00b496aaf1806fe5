import Redis

/// What becomes of a command a node handed back without an answer: lost with its connection
/// before it ran (or read-only), refused while the node was down, or redirected.
///
/// Most commands are routed again by their keys (they wait for the slot's owner). A command
/// meant for that node alone is not: a fanned-out part (another node would run it twice), a
/// topology query or a `WAIT` (another node's answer would be taken for this one's). It fails
/// with what happened to it.
///
/// ```swift
/// HandBack.of(pinned: true, fanOut: false, wasSent: false)   // .fail(.connectionClosed(.notSent))
/// HandBack.of(pinned: false, fanOut: false, wasSent: true)   // .route (a read-only command)
/// ```
enum HandBack: Equatable {
    /// Route it again (after a refresh, or to the redirect's target).
    case route
    /// Fail it: it was lost with its connection (`wasSent`: it may have run).
    case fail(RedisError.Kind)

    static func of(pinned: Bool, fanOut: Bool, wasSent: Bool) -> HandBack {
        guard pinned || fanOut else { return .route }
        return .fail(.connectionClosed(wasSent ? .unknown : .notSent))
    }

    /// A redirect (`MOVED`, `ASK`, `TRYAGAIN`…) of such a command fails naming the redirect.
    static func of(pinned: Bool, fanOut: Bool, redirection: Redirection) -> HandBack {
        pinned || fanOut ? .fail(.redirected(redirection)) : .route
    }
}
