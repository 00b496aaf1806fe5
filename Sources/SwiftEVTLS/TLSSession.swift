import COpenSSL
import SwiftEV

/// The OpenSSL side of one connection, with no I/O of its own: ciphertext from the peer goes in
/// through one memory BIO, ciphertext for the peer comes out of another, so the caller decides
/// when bytes move (a pipeline stage, or a test feeding one byte at a time). Loop-confined.
final class TLSSession {
    private let ssl: OpaquePointer
    /// Ciphertext received from the peer, waiting for OpenSSL.
    private let fromPeer: OpaquePointer
    /// Ciphertext OpenSSL produced for the peer, written by it through a sink BIO; nil once taken.
    @exclusivity(unchecked) private var output: ByteBuffer?
    /// The capacity for the next `output` (about the ciphertext of what `write` encrypts).
    @exclusivity(unchecked) private var outputCapacity = 1024
    let peer: String
    /// The name the peer's certificate must carry (nil: not checked).
    private(set) var expectedName: String?

    enum Progress { case done, wantMore }
    enum ReadOutcome { case wantMore, closeNotify }

    /// - Parameter serverName: client mode: SNI (for a host name) and the name or address verified.
    init(context: TLSContext, serverName: String?, peer: String) throws(TLSError) {
        self.peer = peer
        guard let ssl = SSL_new(context.context) else { throw TLSSession.setupError("SSL_new failed", peer: peer) }
        guard let fromPeer = swiftev_bio_new_mem() else {
            SSL_free(ssl)
            throw TLSSession.setupError("BIO_new failed", peer: peer)
        }
        self.ssl = ssl
        self.fromPeer = fromPeer
        // The SSL owns both BIOs from here on. The sink calls back into this session, which
        // it does not retain: it is called only from inside this session's SSL calls.
        guard let toPeer = swiftev_bio_new_sink(Unmanaged.passUnretained(self).toOpaque(), { context, data, length in
            Unmanaged<TLSSession>.fromOpaque(context!)._withUnsafeGuaranteedRef {
                $0.appendOutput(UnsafeRawBufferPointer(start: data, count: Int(length)))
            }
            return length
        }) else {
            SSL_set_bio(ssl, fromPeer, fromPeer)
            throw TLSSession.setupError("BIO_new failed", peer: peer)
        }
        SSL_set_bio(ssl, fromPeer, toPeer)
        let configuration = context.configuration
        guard configuration.mode == .client else {
            expectedName = nil
            SSL_set_accept_state(ssl)
            return
        }
        let isAddress = serverName.map { (try? SocketAddress(ip: $0, port: 0)) != nil } ?? false
        if let serverName, !isAddress, swiftev_ssl_set_tlsext_host_name(ssl, serverName) != 1 {
            throw TLSSession.setupError("cannot send \(serverName) as SNI", peer: peer)
        }
        if configuration.verification == .full, let serverName {
            let set = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) : SSL_set1_host(ssl, serverName)
            guard set == 1 else { throw TLSSession.setupError("cannot verify the name \(serverName)", peer: peer) }
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            expectedName = serverName
        } else {
            expectedName = nil
        }
        SSL_set_connect_state(ssl)
    }

    deinit { SSL_free(ssl) }

    private static func setupError(_ what: String, peer: String) -> TLSError {
        let details = OpenSSLErrors.drain().map(\.text).joined(separator: "; ")
        return TLSError(.handshakeFailed, peer: peer, reason: details.isEmpty ? what : "\(what): \(details)")
    }

    /// Hands ciphertext received from the peer to OpenSSL.
    func receive(_ bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return }
            // A memory BIO only fails to take bytes when out of memory; OpenSSL then reports it.
            _ = BIO_write(fromPeer, base, Int32(raw.count))
        }
    }

    static let maximumRecord = TLSRecordSplit.maximumRecord

    /// Ciphertext received and not yet taken by OpenSSL, from the BIO's byte counters:
    /// `BIO_ctrl_pending` goes through `BIO_ctrl`'s dispatch (~115 instructions, five calls per
    /// command at one in flight), the counters are two field reads. Every byte in and out of a
    /// BIO passes `BIO_read`/`BIO_write`, which keep them.
    private var unreadCiphertext: Int { Int(BIO_number_written(fromPeer) &- BIO_number_read(fromPeer)) }
    private func appendOutput(_ bytes: UnsafeRawBufferPointer) {
        if output == nil { output = ByteBuffer(capacity: max(bytes.count, outputCapacity)) }
        output!.writeBytes(bytes)
    }

    /// Empties the thread's error queue before a call whose failure `SSL_get_error` must
    /// interpret. `ERR_clear_error` itself walks all 16 slots of the queue; peeking first makes
    /// the usual case, an empty queue, one lookup.
    @inline(__always)
    static func clearErrors() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Runs the handshake as far as the bytes received so far allow.
    func handshake() throws(TLSError) -> Progress {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantMore
        default: throw failure(handshaking: true)
        }
    }

    /// Records of application data decrypted so far.
    private(set) var recordsRead = 0

    /// Decrypts what it can into `buffer` (appending).
    func read(into buffer: inout ByteBuffer) throws(TLSError) -> ReadOutcome {
        // Plaintext is never longer than the ciphertext it came from: one reservation for the
        // whole batch, so the records decrypted below do not regrow the buffer one by one.
        buffer.reserveCapacity(minimumWritableBytes: unreadCiphertext + Self.maximumRecord)
        while true {
            // With every received byte consumed and nothing decrypted or buffered inside
            // OpenSSL, another SSL_read could only say "want more": skip it (it is a whole pass
            // through the record layer and the error queue, once per read batch).
            if unreadCiphertext == 0 && SSL_has_pending(ssl) == 0 { return .wantMore }
            var code: Int32 = SSL_ERROR_NONE
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.maximumRecord) { raw in
                Self.clearErrors()
                let n = SSL_read(ssl, raw.baseAddress, Int32(clamping: raw.count))
                if n > 0 { return Int(n) }
                code = SSL_get_error(ssl, n)
                return 0
            }
            switch code {
            case SSL_ERROR_NONE:
                // SSL_read returns one record's application data per call.
                recordsRead &+= 1
                continue
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wantMore
            case SSL_ERROR_ZERO_RETURN: return .closeNotify
            default: throw failure(handshaking: false)
            }
        }
    }

    /// Encrypts all of `plaintext` in records of at most `recordSize` bytes (a memory BIO never
    /// pushes back, so each SSL_write takes its whole record). Returns how many records.
    func write(_ plaintext: ByteBuffer, recordSize: Int = maximumRecord) throws(TLSError) -> Int {
        var failed = false
        var records = 0
        // Room for the records' headers, tags and padding too, so the output takes one allocation.
        outputCapacity = plaintext.readableBytes + (plaintext.readableBytes / recordSize + 1) * 64
        plaintext.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                Self.clearErrors()
                let n = SSL_write(ssl, raw.baseAddress! + offset, Int32(clamping: min(recordSize, raw.count - offset)))
                guard n > 0 else { failed = true; return }
                offset += Int(n)
                records += 1
            }
        }
        if failed { throw failure(handshaking: false) }
        return records
    }

    /// Queues `close_notify` for the peer.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// Ciphertext waiting to go to the peer, if any.
    func takeOutput() -> ByteBuffer? {
        guard let taken = output else { return nil }
        output = nil
        outputCapacity = 1024
        return taken
    }

    /// The protocol version in use ("TLSv1.3"), once the handshake is done.
    var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    private func failure(handshaking: Bool) -> TLSError {
        let errors = OpenSSLErrors.drain()
        let verifyResult = Int(SSL_get_verify_result(ssl))
        let kind = TLSFailureClassifier.kind(verifyResult: verifyResult, errors: errors, expectedName: expectedName, handshaking: handshaking)
        return TLSError(kind, peer: peer, reason: TLSFailureClassifier.reason(verifyResult: verifyResult, errors: errors))
    }
}
