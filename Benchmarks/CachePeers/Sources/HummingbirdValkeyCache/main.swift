import Hummingbird
import Logging
import Valkey

// The cache service's API (PUT/GET/DELETE /v1/cache/{key}, POST /v1/counters/{key}/incr) as a
// Hummingbird 2 app over valkey-swift's cluster client, written the way their READMEs show.
//
//   HummingbirdValkeyCache PORT REDIS_PORT[,REDIS_PORT…]

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8081 : 8081
let redisPorts = (arguments.count > 2 ? arguments[2] : "7000").split(separator: ",").compactMap { Int($0) }
var logger = Logger(label: "hummingbird-valkey-cache")
logger.logLevel = .warning

let cluster = ValkeyClusterClient(
    nodeDiscovery: ValkeyStaticNodeDiscovery(redisPorts.map { .init(endpoint: "127.0.0.1", port: $0) }),
    configuration: ValkeyClusterClientConfiguration(),
    logger: logger)

let router = Router()
router.put("/v1/cache/:key") { request, context -> Response in
    let key = try context.parameters.require("key")
    let body = try await request.body.collect(upTo: 8 << 20)
    _ = try await cluster.set(ValkeyKey(key), value: body)
    return Response(status: .noContent)
}
router.get("/v1/cache/:key") { _, context -> Response in
    let key = try context.parameters.require("key")
    guard let value = try await cluster.get(ValkeyKey(key)) else { return Response(status: .notFound) }
    return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: value)))
}
router.delete("/v1/cache/:key") { _, context -> Response in
    let key = try context.parameters.require("key")
    return Response(status: try await cluster.del(keys: [ValkeyKey(key)]) > 0 ? .noContent : .notFound)
}
router.post("/v1/counters/:key/incr") { request, context -> String in
    let key = try context.parameters.require("key")
    let step = request.uri.queryParameters.get("by", as: Int.self) ?? 1
    return String(try await cluster.incrby(ValkeyKey(key), increment: step))
}

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
try await withThrowingDiscardingTaskGroup { group in
    group.addTask { await cluster.run() }
    group.addTask { try await app.runService() }
}
