import Foundation
import NIOCore
import NIOHTTP1

/// Plain HTTP requests that were not upgraded: the web client at `/`, `/health`,
/// `/metrics`, a `/ws` without a valid upgrade, and 404 for the rest.
final class HTTPRouteHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let health: @Sendable () -> String
    private let metrics: @Sendable () -> String
    private var request: HTTPRequestHead?

    init(health: @escaping @Sendable () -> String, metrics: @escaping @Sendable () -> String) {
        self.health = health
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = ConnectionPipeline.path(of: head.uri)
        switch (head.method, path) {
        case (.GET, "/"), (.HEAD, "/"):
            let page = WebClientResponse.page(ifNoneMatch: head.headers["if-none-match"])
            write(
                page.status, body: page.body, contentType: "text/html; charset=utf-8", extraHeaders: page.headers,
                context: context, keepAlive: head.isKeepAlive, omitBody: head.method == .HEAD)
        case (.GET, "/favicon.ico"), (.HEAD, "/favicon.ico"):
            write(
                .ok, body: WebClientPage.favicon, contentType: "image/svg+xml",
                extraHeaders: WebClientResponse.iconHeaders,
                context: context, keepAlive: head.isKeepAlive, omitBody: head.method == .HEAD)
        case (.GET, "/health"):
            write(.ok, body: health(), contentType: "application/json", context: context, keepAlive: head.isKeepAlive)
        case (.GET, "/metrics"):
            write(
                .ok, body: metrics(), contentType: "text/plain; version=0.0.4", context: context,
                keepAlive: head.isKeepAlive)
        case (_, "/ws"):
            let wantsWebSocket = head.headers["upgrade"].contains { $0.lowercased() == "websocket" }
            let version = head.headers["sec-websocket-version"].first
            if wantsWebSocket, version != "13" {
                var headers = HTTPHeaders()
                headers.add(name: "Sec-WebSocket-Version", value: "13")
                write(
                    .upgradeRequired, body: "WebSocket version 13 required\n", contentType: "text/plain",
                    extraHeaders: headers, context: context, keepAlive: false)
            } else {
                write(
                    .badRequest, body: "A valid WebSocket upgrade is required\n", contentType: "text/plain",
                    context: context, keepAlive: false)
            }
        default:
            write(
                .notFound, body: "Not found\n", contentType: "text/plain", context: context, keepAlive: head.isKeepAlive
            )
        }
    }

    private func write(
        _ status: HTTPResponseStatus, body: String, contentType: String, extraHeaders: HTTPHeaders = [:],
        context: ChannelHandlerContext, keepAlive: Bool, omitBody: Bool = false
    ) {
        var headers = extraHeaders
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !omitBody, !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        let channel = context.channel
        if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
    }
}
