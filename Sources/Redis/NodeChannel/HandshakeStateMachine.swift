import RESP
import SwiftEV

/// The connection handshake as a state machine with no I/O, so every path (RESP3, fallback to
/// RESP2, each failure) is tested by feeding it replies.
///
/// RESP3: `HELLO 3 [AUTH user pass] [SETNAME name]`, then the setup commands. A server without
/// `HELLO` (before 6.0) answers with an error; then `AUTH` and `CLIENT SETNAME` go the RESP2 way.
/// Setup commands (`READONLY` for replicas, `SELECT db`) follow once authenticated, pipelined.
public struct HandshakeStateMachine: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var protocolVersion: Int
        public var username: String?
        public var password: String?
        public var clientName: String?
        public var readOnly: Bool
        public var database: Int?

        public init(protocolVersion: Int = 3, username: String? = nil, password: String? = nil,
                    clientName: String? = nil, readOnly: Bool = false, database: Int? = nil) {
            self.protocolVersion = protocolVersion
            self.username = username
            self.password = password
            self.clientName = clientName
            self.readOnly = readOnly
            self.database = database
        }
    }

    public enum Action: Sendable {
        /// Send these commands (in one flush) and wait for their replies.
        case send([RedisCommand])
        /// Keep waiting for replies.
        case wait
        /// Done: commands may flow.
        case succeed(RedisServerInfo)
        /// Refused: close the connection with this error.
        case fail(RedisError.Kind)
    }

    private enum State {
        case idle
        case awaitingHello
        /// Replies still expected, with the step name of each, in order.
        case awaitingSteps([String], RedisServerInfo)
        case done
    }

    private let configuration: Configuration
    private var state = State.idle

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// The first commands to send once connected.
    public mutating func start() -> Action {
        precondition({ if case .idle = state { return true } else { return false } }(), "handshake started twice")
        if configuration.protocolVersion >= 3 {
            var arguments: [any RESPArgument] = ["HELLO", 3]
            if let password = configuration.password {
                arguments += ["AUTH", configuration.username ?? "default", password]
            }
            if let name = configuration.clientName { arguments += ["SETNAME", name] }
            state = .awaitingHello
            return .send([RedisCommand(arguments, readOnly: true)])
        }
        return steps(authenticate: true, info: RedisServerInfo(protocolVersion: 2))
    }

    /// Feeds the reply to the oldest handshake command.
    public mutating func receive(_ reply: RESPValue) -> Action {
        switch state {
        case .idle, .done:
            return .fail(.unexpectedReply)
        case .awaitingHello:
            if let error = RESPServerError(reply) {
                // Before 6.0 HELLO is unknown; 6.x may refuse version 3 with NOPROTO.
                if error.code == "NOPROTO" || error.message.lowercased().hasPrefix("unknown command") {
                    return steps(authenticate: true, info: RedisServerInfo(protocolVersion: 2))
                }
                state = .done
                return .fail(.handshakeFailed(step: "HELLO", error))
            }
            return steps(authenticate: false, info: Self.info(fromHello: reply))
        case .awaitingSteps(var remaining, let info):
            let step = remaining.removeFirst()
            if let error = RESPServerError(reply) {
                state = .done
                return .fail(.handshakeFailed(step: step, error))
            }
            if remaining.isEmpty {
                state = .done
                return .succeed(info)
            }
            state = .awaitingSteps(remaining, info)
            return .wait
        }
    }

    /// AUTH/SETNAME (RESP2 path only) and the setup commands, or success if there are none.
    private mutating func steps(authenticate: Bool, info: RedisServerInfo) -> Action {
        var commands: [RedisCommand] = []
        var names: [String] = []
        if authenticate, let password = configuration.password {
            if let user = configuration.username {
                commands.append(RedisCommand("AUTH", user, password, readOnly: true))
            } else {
                commands.append(RedisCommand("AUTH", password, readOnly: true))
            }
            names.append("AUTH")
        }
        if authenticate, let name = configuration.clientName {
            commands.append(RedisCommand("CLIENT", "SETNAME", name, readOnly: true))
            names.append("CLIENT SETNAME")
        }
        if configuration.readOnly {
            commands.append(RedisCommand("READONLY", readOnly: true))
            names.append("READONLY")
        }
        if let database = configuration.database {
            commands.append(RedisCommand("SELECT", database, readOnly: true))
            names.append("SELECT")
        }
        if commands.isEmpty {
            state = .done
            return .succeed(info)
        }
        state = .awaitingSteps(names, info)
        return .send(commands)
    }

    static func info(fromHello reply: RESPValue) -> RedisServerInfo {
        var info = RedisServerInfo(protocolVersion: 3)
        let pairs: [(RESPValue, RESPValue)]
        switch reply {
        case .map(let p): pairs = p.map { ($0.key, $0.value) }
        case .array(let a?): pairs = stride(from: 0, to: a.count - 1, by: 2).map { (a[$0], a[$0 + 1]) }
        default: return info
        }
        for (key, value) in pairs {
            guard let name = try? key.decode(as: String.self) else { continue }
            switch name {
            case "proto": info.protocolVersion = (try? value.decode(as: Int.self)) ?? 3
            case "version": info.version = (try? value.decode(as: String.self)) ?? ""
            case "role": info.role = (try? value.decode(as: String.self)) ?? ""
            case "mode": info.mode = (try? value.decode(as: String.self)) ?? ""
            case "id": info.connectionID = (try? value.decode(as: Int.self)) ?? 0
            default: break
            }
        }
        return info
    }
}
