import Redis
import XCTest

final class RedirectionTests: XCTestCase {
    func testMovedAndAskWithIPv4AndHostName() {
        XCTAssertEqual(Redirection(errorText: "MOVED 3999 127.0.0.1:6381", currentHost: "x"), .moved(slot: 3999, host: "127.0.0.1", port: 6381))
        XCTAssertEqual(Redirection(errorText: "ASK 12182 node-2.swiftev.invalid:7002", currentHost: "x"), .ask(slot: 12182, host: "node-2.swiftev.invalid", port: 7002))
    }

    func testEmptyHostMeansTheCurrentHost() {
        XCTAssertEqual(Redirection(errorText: "MOVED 3999 :6380", currentHost: "redis-a.swiftev.invalid"), .moved(slot: 3999, host: "redis-a.swiftev.invalid", port: 6380))
    }

    func testIPv6HostsBracketedOrNot() {
        XCTAssertEqual(Redirection(errorText: "MOVED 1 ::1:7000", currentHost: "x"), .moved(slot: 1, host: "::1", port: 7000))
        XCTAssertEqual(Redirection(errorText: "ASK 2 [fe80::1]:7001", currentHost: "x"), .ask(slot: 2, host: "fe80::1", port: 7001))
        XCTAssertEqual(Redirection.moved(slot: 1, host: "::1", port: 7000).description, "MOVED slot 1 to [::1]:7000")
    }

    func testRetrySignals() {
        XCTAssertEqual(Redirection(errorText: "TRYAGAIN Multiple keys request during rehashing of slot", currentHost: "x"),
                       .tryAgain("Multiple keys request during rehashing of slot"))
        XCTAssertEqual(Redirection(errorText: "CLUSTERDOWN The cluster is down", currentHost: "x"), .clusterDown("The cluster is down"))
        XCTAssertEqual(Redirection(errorText: "LOADING Redis is loading the dataset in memory", currentHost: "x"),
                       .loading("Redis is loading the dataset in memory"))
        XCTAssertEqual(Redirection(errorText: "MASTERDOWN Link with MASTER is down", currentHost: "x"), .masterDown("Link with MASTER is down"))
    }

    func testOtherErrorsAndMalformedRedirectsAreNotRedirects() {
        XCTAssertNil(Redirection(errorText: "ERR unknown command", currentHost: "x"))
        XCTAssertNil(Redirection(errorText: "MOVED 99999 127.0.0.1:7000", currentHost: "x"), "slot out of range")
        XCTAssertNil(Redirection(errorText: "MOVED abc 127.0.0.1:7000", currentHost: "x"))
        XCTAssertNil(Redirection(errorText: "MOVED 1 127.0.0.1", currentHost: "x"), "no port")
        XCTAssertNil(Redirection(errorText: "MOVED 1 127.0.0.1:0", currentHost: "x"), "port 0")
        XCTAssertNil(Redirection(errorText: "MOVED", currentHost: "x"))
    }
}
