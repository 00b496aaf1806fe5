import RESP

/// A reply as `CommandCorrelator.takeBatchReply` takes it: an answer, or a redirect or retry
/// signal instead of one (push frames never reach a batch).
enum NodeReply {
    case value(RESPValue)
    case redirect(Redirection)
}
