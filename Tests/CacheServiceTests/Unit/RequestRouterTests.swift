@testable import CacheServiceCore
import XCTest

final class RequestRouterTests: XCTestCase {
    private func match(_ method: String, _ target: String) -> Result<CacheRequest, RequestError> {
        RequestRouter.match(method: method, target: Array(target.utf8))
    }

    private func key(_ text: String) throws -> CacheKey { try CacheKey(segment: Array(text.utf8)) }

    func testEveryRouteOfTheAPI() throws {
        XCTAssertEqual(match("PUT", "/v1/cache/a"), .success(.put(try key("a"), ttl: nil, wait: 0)))
        XCTAssertEqual(match("PUT", "/v1/cache/a?ttl=60&wait=1"), .success(.put(try key("a"), ttl: 60, wait: 1)))
        XCTAssertEqual(match("GET", "/v1/cache/a"), .success(.get(try key("a"))))
        XCTAssertEqual(match("DELETE", "/v1/cache/a"), .success(.delete(try key("a"))))
        XCTAssertEqual(match("POST", "/v1/counters/c/incr"), .success(.increment(try key("c"), by: 1)))
        XCTAssertEqual(match("POST", "/v1/counters/c/incr?by=-5"), .success(.increment(try key("c"), by: -5)))
        XCTAssertEqual(match("GET", "/healthz"), .success(.health))
        XCTAssertEqual(match("GET", "/metrics"), .success(.metrics))
    }

    func testHeadIsAnsweredWhereGetIs() throws {
        XCTAssertEqual(match("HEAD", "/v1/cache/a"), .success(.get(try key("a"))))
        XCTAssertEqual(match("HEAD", "/healthz"), .success(.health))
        XCTAssertEqual(match("HEAD", "/metrics"), .success(.metrics))
        XCTAssertEqual(match("HEAD", "/v1/counters/c/incr"), .failure(.methodNotAllowed(allow: "POST")), "no GET there, so no HEAD")
        XCTAssertEqual(match("HEAD", "/nowhere"), .failure(.notFound))
    }

    func testUnknownPathsAre404() {
        for target in ["/", "/v1/cache", "/v1/cache/a/b", "/v1/counters/c", "/v1/counters/c/decr", "/v1/counters/a/b/incr",
                       "/healthz/", "/metricsx", "v1/cache/a", "/V1/cache/a"] {
            XCTAssertEqual(match("GET", target), .failure(.notFound), target)
        }
    }

    func testOtherMethodsAre405WithAllow() {
        XCTAssertEqual(match("POST", "/v1/cache/a"), .failure(.methodNotAllowed(allow: "GET, HEAD, PUT, DELETE")))
        XCTAssertEqual(match("GET", "/v1/counters/c/incr"), .failure(.methodNotAllowed(allow: "POST")))
        XCTAssertEqual(match("DELETE", "/healthz"), .failure(.methodNotAllowed(allow: "GET, HEAD")))
        XCTAssertEqual(match("PUT", "/metrics"), .failure(.methodNotAllowed(allow: "GET, HEAD")))
        // The method is checked before the key: a bad key on a wrong method is still a 405.
        XCTAssertEqual(match("PATCH", "/v1/cache/%zz"), .failure(.methodNotAllowed(allow: "GET, HEAD, PUT, DELETE")))
        XCTAssertEqual(RequestError.methodNotAllowed(allow: "POST").response.allow, "POST")
    }

    func testKeysArePercentDecodedAndMayBeBinary() throws {
        XCTAssertEqual(try key("user%3A42").bytes, Array("user:42".utf8))
        XCTAssertEqual(try key("%00%ff%2F+x").bytes, [0, 0xFF, UInt8(ascii: "/"), UInt8(ascii: "+"), UInt8(ascii: "x")])
        XCTAssertEqual(try key(String(repeating: "k", count: 1024)).bytes.count, 1024)
        // 1024 bytes after decoding, though 3072 characters in the path.
        XCTAssertEqual(try key(String(repeating: "%41", count: 1024)).bytes.count, 1024)
    }

    func testBadKeysAre400NamingTheCause() {
        for (target, words) in [("/v1/cache/%zz", "percent"), ("/v1/cache/%4", "percent"), ("/v1/cache/", "empty"),
                                ("/v1/cache/" + String(repeating: "k", count: 1025), "1025 bytes"),
                                ("/v1/counters//incr", "empty")] {
            let method = target.hasPrefix("/v1/counters") ? "POST" : "GET"
            guard case .failure(.badRequest(let why)) = match(method, target) else { return XCTFail(target) }
            XCTAssertTrue(why.contains("bad key"), why)
            XCTAssertTrue(why.contains(words) || (words == "percent" && why.contains("%")), why)
        }
    }

    func testQueryParametersAreCheckedStrictly() {
        let bad: [(String, String, String)] = [
            ("PUT", "/v1/cache/a?ttl=0", "bad ttl"), ("PUT", "/v1/cache/a?ttl=-1", "bad ttl"),
            ("PUT", "/v1/cache/a?ttl=abc", "bad ttl"), ("PUT", "/v1/cache/a?ttl=", "bad ttl"),
            ("PUT", "/v1/cache/a?ttl=+5", "bad ttl"), ("PUT", "/v1/cache/a?ttl=99999999999", "bad ttl"),
            ("PUT", "/v1/cache/a?wait=-1", "bad wait"), ("PUT", "/v1/cache/a?wait=101", "bad wait"),
            ("PUT", "/v1/cache/a?ttl=1&ttl=2", "twice"), ("PUT", "/v1/cache/a?tll=60", "unknown query parameter"),
            ("GET", "/v1/cache/a?ttl=60", "unknown query parameter"),
            ("POST", "/v1/counters/c/incr?by=1.5", "bad by"), ("POST", "/v1/counters/c/incr?by=9223372036854775808", "bad by"),
            ("POST", "/v1/counters/c/incr?by=x", "bad by"), ("GET", "/healthz?x=1", "unknown query parameter"),
        ]
        for (method, target, words) in bad {
            guard case .failure(.badRequest(let why)) = match(method, target) else { XCTFail(target); continue }
            XCTAssertTrue(why.contains(words), "\(target): \(why)")
        }
        XCTAssertEqual(match("POST", "/v1/counters/c/incr?by=-9223372036854775808"), .success(.increment(try! key("c"), by: .min)))
        XCTAssertEqual(match("PUT", "/v1/cache/a?"), .success(.put(try! key("a"), ttl: nil, wait: 0)))
        XCTAssertEqual(match("PUT", "/v1/cache/a?wait=0"), .success(.put(try! key("a"), ttl: nil, wait: 0)))
    }

    func testRouteLabelsNeverHoldTheKey() {
        XCTAssertEqual(RequestRouter.route(of: Array("/v1/cache/secret?ttl=1".utf8)), .cache)
        XCTAssertEqual(RequestRouter.route(of: Array("/v1/counters/x/incr".utf8)), .counter)
        XCTAssertEqual(RequestRouter.route(of: Array("/nope".utf8)), .unknown)
    }
}
