import SwiftEV

/// A complete request: its head and its whole body.
///
/// A body that arrived in one read is a slice of that read's buffer; one that arrived in pieces
/// (or chunked) is gathered into one buffer. A request without a body has an empty `body`.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: ByteBuffer

    public init(head: HTTPRequestHead, body: ByteBuffer) {
        self.head = head
        self.body = body
    }
}
