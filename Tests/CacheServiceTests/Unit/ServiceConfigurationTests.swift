@testable import CacheServiceCore
import SwiftEV
import XCTest

final class ServiceConfigurationTests: XCTestCase {
    func testDefaults() throws {
        let config = try ServiceConfiguration(flags: [:], environment: [:])
        XCTAssertEqual(config.listen, HostPort(host: "127.0.0.1", port: 8080))
        XCTAssertEqual(config.maxValueBytes, 8 << 20)
        XCTAssertNil(config.redisPassword)
    }

    func testEnvironmentAndFlagsFlagsWin() throws {
        let environment = ["CACHE_LISTEN": "127.0.0.1:9000", "REDIS_HOSTS": " 127.0.0.1:7000, [::1]:7001 ,node-1.example.invalid:7002",
                           "REDIS_USERNAME": "app", "REDIS_PASSWORD": "pw", "CACHE_LOOPS": "3",
                           "CACHE_REDIS_TIMEOUT_MS": "250", "CACHE_MAX_VALUE_BYTES": "1024"]
        let config = try ServiceConfiguration(flags: [.listen: "[::1]:0", .loops: "2"], environment: environment)
        XCTAssertEqual(config.listen, HostPort(host: "::1", port: 0))
        XCTAssertEqual(config.redisHosts, [HostPort(host: "127.0.0.1", port: 7000), HostPort(host: "::1", port: 7001),
                                           HostPort(host: "node-1.example.invalid", port: 7002)])
        XCTAssertEqual(config.redisUsername, "app")
        XCTAssertEqual(config.redisPassword, "pw")
        XCTAssertEqual(config.loops, 2)
        XCTAssertEqual(config.redisTimeout, .milliseconds(250))
        XCTAssertEqual(config.maxValueBytes, 1024)
    }

    func testABadSettingIsNamedByItsVariableAndFlag() {
        let bad: [(ServiceConfiguration.Setting, String)] = [
            (.listen, "localhost"), (.listen, "127.0.0.1:70000"), (.redisHosts, "127.0.0.1:7000,,127.0.0.1:7001"),
            (.redisHosts, "127.0.0.1"), (.loops, "0"), (.loops, "many"), (.redisTimeout, "-5"),
            (.waitTimeout, "1s"), (.maxValueBytes, "0"), (.shutdownTimeout, "x"), (.idleTimeout, "0"),
        ]
        for (setting, value) in bad {
            XCTAssertThrowsError(try ServiceConfiguration(flags: [:], environment: [setting.environmentVariable: value])) { error in
                let text = "\(error)"
                XCTAssertEqual((error as? ConfigurationError)?.setting, setting)
                XCTAssertTrue(text.contains(setting.environmentVariable) && text.contains(setting.flag), text)
            }
        }
        // A user name without a password is a mistake, and a password is never echoed.
        XCTAssertThrowsError(try ServiceConfiguration(flags: [:], environment: ["REDIS_USERNAME": "app"]))
        XCTAssertThrowsError(try ServiceConfiguration(flags: [.redisPassword: "secret"], environment: ["REDIS_HOSTS": "x"])) { error in
            XCTAssertFalse("\(error)".contains("secret"))
        }
    }
}
