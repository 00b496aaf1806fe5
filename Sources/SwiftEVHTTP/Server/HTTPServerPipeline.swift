import SwiftEV

extension PipelineBuilder where Inbound == ByteBuffer, Outbound == ByteBuffer {
    /// Adds the HTTP/1.1 server stages (response encoder, request decoder, `HTTPServerStage`)
    /// after the stages so far; `handler` gets the connection's requests. Set
    /// `ChannelOptions.allowHalfClosure` on the server so that requests followed by a shutdown
    /// of the client's sending side are still answered (`bindHTTP` does).
    ///
    /// ```swift
    /// TCPServer(group: group).bind(host: "127.0.0.1", port: 8080) { pipeline in
    ///     pipeline.addingHTTPServer(handler: Hello())
    /// }
    /// ```
    public func addingHTTPServer(
        configuration: HTTPServerConfiguration = .init(),
        handler: any HTTPRequestHandler
    ) -> PipelineBuilder<Never, Never> {
        let decoder = HTTPRequestDecoderStage(limits: configuration.limits)
        return adding(HTTPResponseEncoderStage())
            .adding(decoder)
            .adding(HTTPServerStage(handler: handler, configuration: configuration, decoder: decoder))
    }
}

extension TCPServer {
    /// Listens for HTTP/1.1 connections. `makeHandler` runs on each new connection's loop and
    /// returns the handler for it: a new one, or one shared by the connections of that loop
    /// (`channel.eventLoop` tells which). Connections allow half-closure, so a client that
    /// shuts down its sending side after its requests still gets their answers.
    ///
    /// ```swift
    /// let server = try await TCPServer(group: group).bindHTTP(host: "127.0.0.1", port: 8080) { _ in
    ///     HTTPClosureHandler { request, responder in responder.respond(.text(.ok, "hello\n")) }
    /// }.get()
    /// ```
    public func bindHTTP(
        host: String,
        port: Int,
        configuration: HTTPServerConfiguration = .init(),
        handler makeHandler: @escaping @Sendable (Channel) -> any HTTPRequestHandler
    ) -> EventLoopFuture<Channel> {
        var server = self
        server.childOptions.allowHalfClosure = true
        return server.bind(host: host, port: port) { pipeline in
            pipeline.addingHTTPServer(configuration: configuration, handler: makeHandler(pipeline.channel))
        }
    }
}
