import SwiftEV

/// What the request decoder passes on: a head, the body in pieces (slices of the read
/// buffers, never copies), then the end of the request. A request without a body is a head
/// followed by `.end`.
public enum HTTPRequestPart: Sendable {
    case head(HTTPRequestHead)
    case body(ByteBuffer)
    case end
}

/// What the response encoder takes: one head, any number of body pieces, then the end.
/// An informational head (`100 Continue`) stands alone: no body and no end follow it.
public enum HTTPResponsePart: Sendable {
    case head(HTTPResponseHead)
    case body(ByteBuffer)
    case end
}
