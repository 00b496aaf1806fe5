import SwiftEV

/// The operations as requests to the cache service over HTTP: `PUT /v1/cache/{key}`,
/// `GET /v1/cache/{key}`, `POST /v1/counters/{key}/incr`, over keep-alive connections on the
/// load's loop, one request at a time on each (as browsers and most HTTP clients do): pipelined
/// on a shared connection, an answer held up on a failed shard would hold up every answer
/// behind it (HTTP/1.1 answers in order), and the healthy shards would seem to stall with it.
/// Answers are classified as the service documents them: 200/204 (and 404 for a `GET`) done;
/// 503/504 with `"outcome":"not_applied"` (or a connection that could not be opened) failed,
/// not run; with `"outcome":"unknown"` (or a connection lost before the answer) unknown.
public final class ChaosHTTPDriver: ChaosDriver {
    private let loop: LibevEventLoop
    private let host: String
    private let port: Int
    private let answerTimeout: TimeAmount
    /// Connections with no request out; a request takes one or opens a new one.
    private var idle: [ChaosHTTPConnection] = []
    private var all: [ChaosHTTPConnection] = []

    /// Connections to `host:port`, opened as requests need them (at most one per worker).
    public init(loop: LibevEventLoop, host: String = "127.0.0.1", port: Int, answerTimeout: TimeAmount) {
        self.loop = loop
        self.host = host
        self.port = port
        self.answerTimeout = answerTimeout
    }

    public func set(key: String, value: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        request("PUT", "/v1/cache/\(key)", body: value) { done(Self.outcome($0, "PUT")) }
    }

    public func get(key: String, _ done: @escaping (ChaosLedger.Outcome, String?) -> Void) {
        request("GET", "/v1/cache/\(key)", body: nil) { result in
            guard case .success(let response) = result, response.status == 200 else {
                return done(Self.outcome(result, "GET", notFoundIsAnAnswer: true), nil)
            }
            done(.ok, response.text)
        }
    }

    public func increment(key: String, _ done: @escaping (ChaosLedger.Outcome) -> Void) {
        request("POST", "/v1/counters/\(key)/incr", body: nil) { done(Self.outcome($0, "INCR")) }
    }

    /// `GET /healthz` (200 once the service's cluster client is ready).
    public func health(_ done: @escaping (Bool) -> Void) {
        request("GET", "/healthz", body: nil) { result in
            if case .success(let response) = result { return done(response.status == 200) }
            done(false)
        }
    }

    public func close() {
        for connection in all { connection.close() }
    }

    private func request(_ method: String, _ target: String, body: String?, _ completion: @escaping ChaosHTTPConnection.Completion) {
        var head = "\(method) \(target) HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        if let body { head += "content-length: \(body.utf8.count)\r\n\r\n\(body)" } else { head += "\r\n" }
        let connection: ChaosHTTPConnection
        if let reused = idle.popLast() {
            connection = reused
        } else {
            connection = ChaosHTTPConnection(loop: loop, host: host, port: port, answerTimeout: answerTimeout)
            all.append(connection)
        }
        connection.send(ByteBuffer(string: head)) { [weak self] result in
            // Lost connections are dialled again by their next request.
            self?.idle.append(connection)
            completion(result)
        }
    }

    /// How the caller of the service saw a request end.
    public static func outcome(_ result: Result<ChaosHTTPResponse, ChaosHTTPLost>, _ operation: String,
                        notFoundIsAnAnswer: Bool = false) -> ChaosLedger.Outcome {
        switch result {
        case .failure(let lost):
            return lost.mayHaveRun ? .unknown("\(operation) \(lost.description)") : .failed("\(operation) \(lost.description)")
        case .success(let response):
            switch response.status {
            case 200, 204: return .ok
            case 404 where notFoundIsAnAnswer: return .ok
            case 503, 504:
                let what = "\(operation) \(response.status) \(response.status == 504 ? "timeout" : "unavailable")"
                switch response.outcome {
                case "not_applied": return .failed("\(what) (not_applied)")
                case "unknown": return .unknown(what)
                default: return .failed("\(what) without an outcome")
                }
            default:
                return .failed("\(operation) \(response.status)")
            }
        }
    }
}
