import Foundation
import NIOHTTP1

/// How the embedded web client is served: revalidated on every load (`no-cache` with an
/// ETag, so a new gateway's page is picked up at once and an unchanged one costs a 304),
/// never sniffed as another type, and under a policy that runs nothing but its own script.
enum WebClientResponse {
    struct Response {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: String
    }

    static func page(ifNoneMatch: [String]) -> Response {
        let headers: HTTPHeaders = [
            "ETag": WebClientPage.etag,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": WebClientPage.contentSecurityPolicy,
            "Referrer-Policy": "no-referrer",
        ]
        let tags = ifNoneMatch.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        if tags.contains(WebClientPage.etag) || tags.contains("*") {
            return Response(status: .notModified, headers: headers, body: "")
        }
        return Response(status: .ok, headers: headers, body: WebClientPage.html)
    }

    static let iconHeaders: HTTPHeaders = [
        "Cache-Control": "max-age=86400",
        "X-Content-Type-Options": "nosniff",
    ]
}
