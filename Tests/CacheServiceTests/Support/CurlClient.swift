import Foundation

/// HTTPS requests through the real `curl` (scripts/setup.sh installs it), verifying the server's
/// certificate against `caFile`: a client nobody in this project wrote, so the service's TLS is
/// checked against OpenSSL's and curl's idea of it rather than our own stage's.
struct CurlClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Response {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    var baseURL: String
    var caFile: String

    /// `curl` exits non-zero (with its reason on stderr) when the TLS handshake or verification
    /// fails; that becomes a `Failure` naming curl's exit code and words.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil) throws -> Response {
        let directory = FileManager.default.temporaryDirectory
        let output = directory.appendingPathComponent("curl-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        var arguments = ["-sS", "--max-time", "10", "--cacert", caFile, "-X", method, "-o", output.path,
                         "-w", "%{http_code}", baseURL + path]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let input = Pipe()
        if body != nil {
            arguments += ["--data-binary", "@-", "-H", "Content-Type: application/octet-stream"]
            process.standardInput = input
        }
        process.arguments = ["curl"] + arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        if let body {
            input.fileHandleForWriting.write(Data(body))
            try input.fileHandleForWriting.close()
        }
        let status = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let code = Int(String(decoding: status, as: UTF8.self)) else {
            throw Failure(description: "curl \(method) \(baseURL + path) exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
        let received = (try? Data(contentsOf: output)) ?? Data()
        return Response(status: code, body: Array(received))
    }
}
