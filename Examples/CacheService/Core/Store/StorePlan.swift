import Redis
import RedisCluster
import RESP
import SwiftEV

/// The Redis side of each request: which command to send, and what its reply means as an HTTP
/// answer. Plain functions of values, so every mapping is tested without a cluster.
public enum StorePlan {
    /// The command for a store request (`nil` for `/healthz` and `/metrics`).
    public static func command(for request: CacheRequest, value: ByteBuffer) -> RedisCommand? {
        if case .put(let key, let ttl, _) = request, value.readerIndex > 0, let framed = framedSet(key: key, ttl: ttl, value: value) {
            return framed
        }
        switch request {
        case .put(let key, let ttl?, _): return RedisCommand("SET", key.bytes, value, "EX", ttl)
        case .put(let key, nil, _): return RedisCommand("SET", key.bytes, value)
        case .get(let key): return RedisCommand("GET", key.bytes)
        case .delete(let key): return RedisCommand("DEL", key.bytes)
        case .increment(let key, let step): return RedisCommand("INCRBY", key.bytes, step)
        case .health, .metrics: return nil
        }
    }

    /// Storage for the value of a `PUT` that arrives over several reads, laid out as its `SET`
    /// command: the command's head, `length` bytes for the value (the HTTP stage writes it at
    /// the writer index), then the command's tail (the value's CRLF and `EX ttl`), already
    /// written past the writer index. `command(for:value:)` then makes the command by moving
    /// indices: the value is copied once, from the reads, instead of gathered and then copied
    /// into a command (twice its size allocated, and copied, for a large value).
    public static func setFrame(for request: CacheRequest, length: Int) -> ByteBuffer? {
        guard case .put(let key, let ttl, _) = request else { return nil }
        let (head, tail) = setFrameParts(key: key, ttl: ttl, length: length)
        var frame = ByteBuffer(capacity: head.readableBytes + length + tail.readableBytes)
        frame.writeBuffer(head)
        frame.moveWriterIndex(forwardBy: length)  // the value's place, written later
        frame.writeBuffer(tail)
        frame.moveWriterIndex(to: head.readableBytes)
        frame.moveReaderIndex(to: head.readableBytes)
        return frame
    }

    /// `value` gathered into a `setFrame`: the command it frames, or nil when it is not one
    /// (a slice of a read, a frame for another key or length), checked byte for byte.
    static func framedSet(key: CacheKey, ttl: Int?, value: ByteBuffer) -> RedisCommand? {
        let (head, tail) = setFrameParts(key: key, ttl: ttl, length: value.readableBytes)
        guard value.readerIndex == head.readableBytes, value.capacity - value.writerIndex >= tail.readableBytes else { return nil }
        var whole = value
        whole.moveReaderIndex(to: 0)
        whole.moveWriterIndex(to: value.writerIndex + tail.readableBytes)
        guard whole.getSlice(at: 0, length: head.readableBytes) == head,
              whole.getSlice(at: value.writerIndex, length: tail.readableBytes) == tail else { return nil }
        return RedisCommand(bytes: whole, isReadOnly: false)
    }

    /// `SET key <length bytes> [EX ttl]` around its value: what comes before it, and after.
    private static func setFrameParts(key: CacheKey, ttl: Int?, length: Int) -> (head: ByteBuffer, tail: ByteBuffer) {
        var head = ByteBuffer(capacity: key.bytes.count + 48)
        head.writeRESPArrayHeader(count: ttl == nil ? 3 : 5)
        head.writeRESPBulk("SET")
        head.writeRESPBulk(key.bytes)
        head.writeString("$\(length)\r\n")
        var tail = ByteBuffer(capacity: 48)
        tail.writeString("\r\n")
        if let ttl {
            tail.writeRESPBulk("EX")
            tail.writeRESPBulk(ttl)
        }
        return (head, tail)
    }

    /// What a reply (or failure) of `request`'s command becomes.
    public static func response(for request: CacheRequest, reply: Result<RESPValue, any Error>) -> Answer {
        let value: RESPValue
        switch reply {
        case .success(let v): value = v.withoutAttributes
        case .failure(let error as RedisError):
            if case .server(let serverError) = error.kind, let conflict = conflict(serverError, request) { return .done(conflict) }
            return .failed(StoreFailure(error))
        case .failure(let error):
            return .failed(StoreFailure(error))
        }
        // RESP2/RESP3 connections may answer errors as values rather than failures.
        if let serverError = RESPServerError(value) {
            return response(for: request, reply: .failure(RedisError(.server(serverError), node: "?")))
        }
        switch (request, value) {
        case (.put(_, _, let wait), _) where value.isOK:
            return wait > 0 ? .waitForReplicas(wait) : .done(.noContent)
        case (.get, .bulkString(let bytes?)), (.get, .verbatimString(_, let bytes)):
            return .done(CacheResponse(status: 200, contentType: .octetStream, body: bytes))
        case (.get, _) where value.isNull:
            return .done(noSuchKey)
        case (.delete, .integer(let removed)):
            return .done(removed > 0 ? .noContent : noSuchKey)
        case (.increment, .integer(let newValue)):
            return .done(.text(200, String(newValue)))
        default:
            return .failed(StoreFailure(status: 503, outcome: .unknown, kind: "protocol",
                                        message: "unexpected reply \(value.typeName) to \(request.route.rawValue)"))
        }
    }

    /// Built once: a miss is as common as a hit in a cache.
    static let noSuchKey = CacheResponse.error(status: 404, message: "no such key", outcome: nil)

    /// The answer to a `PUT ?wait=N` sent as one unit with its `WAIT` (the client's
    /// `submit(_:waitingForReplicas:timeout:)`): the write's own reply decides first, as without
    /// `WAIT`; then the count of the node that ran it (mid-reshard, the importing node's).
    public static func replicatedResponse(for request: CacheRequest, wanted: Int,
                                          result: Result<ReplicatedReply, any Error>) -> Answer {
        switch result {
        case .failure(let error):
            return response(for: request, reply: .failure(error))
        case .success(let replicated):
            let written = response(for: request, reply: .success(replicated.reply))
            guard case .waitForReplicas = written else { return written }
            return waitResponse(wanted: wanted, reply: replicated.replicas.map { .integer(Int64($0)) })
        }
    }

    public static func waitResponse(wanted: Int, reply: Result<RESPValue, any Error>) -> Answer {
        switch reply {
        case .success(.integer(let confirmed)) where confirmed >= wanted:
            return .done(.noContent)
        case .success(.integer(let confirmed)):
            return .failed(StoreFailure(status: 504, outcome: .unknown, kind: "replication",
                                        message: "the primary applied the write but only \(confirmed) of \(wanted) replicas confirmed it in time"))
        case .success(let other):
            return .failed(StoreFailure(status: 503, outcome: .unknown, kind: "protocol",
                                        message: "the primary applied the write; unexpected reply \(other.typeName) to WAIT"))
        case .failure(let error):
            var failure = StoreFailure(error)
            // Whatever happened to WAIT, the write before it was acknowledged.
            failure.outcome = .unknown
            failure.message = "the primary applied the write; waiting for replicas failed: \(failure.message)"
            return .failed(failure)
        }
    }

    /// `WRONGTYPE` and INCRBY's "not an integer"/"overflow" are the key's fault, not the store's.
    static func conflict(_ error: RESPServerError, _ request: CacheRequest) -> CacheResponse? {
        if error.code == "WRONGTYPE" {
            return .error(status: 409, message: "the key holds another kind of value (\(error.message))", outcome: nil)
        }
        if case .increment = request, error.code == "ERR",
           error.message.contains("not an integer") || error.message.contains("overflow") {
            return .error(status: 409, message: "the key holds a non-integer or the result would overflow (\(error.message))", outcome: nil)
        }
        return nil
    }

    public enum Answer: Sendable {
        case done(CacheResponse)
        case failed(StoreFailure)
        /// The write is acknowledged; what `WAIT n` said about it decides (`replicatedResponse`).
        case waitForReplicas(Int)
    }
}

extension RESPValue {
    var isOK: Bool {
        if case .simpleString(let text) = self { return text.readableBytes == 2 && String(buffer: text) == "OK" }
        return false
    }
}
