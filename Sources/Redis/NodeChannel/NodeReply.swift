import RESP

/// What reaches the command correlator: a reply to the oldest command, a redirect signal
/// instead of one, or an out-of-band RESP3 push frame.
public enum NodeReply: Sendable {
    case value(RESPValue)
    case redirect(Redirection)
    case push(RESPValue)
}
