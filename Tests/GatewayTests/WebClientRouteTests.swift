import Testing

@testable import Gateway

/// The built-in web client is served from the binary at `/`: revalidated by its ETag, never
/// sniffed, under a policy that allows its own script and WebSocket only.
@Suite struct WebClientRouteTests {
    @Test func thePageIsServedWithItsPolicyAndRevalidatedByItsETag() async throws {
        let gateway = try await GatewayHarness.start()
        func request(_ method: String, _ path: String, headers: String = "") async throws -> String {
            let client = try await gateway.tcp()
            try await client.write("\(method) \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\(headers)\r\n")
            return try await client.readToEnd()
        }
        let page = try await request("GET", "/")
        #expect(page.hasPrefix("HTTP/1.1 200 OK"))
        let (head, body) = split(page)
        #expect(head.contains("Content-Type: text/html; charset=utf-8"))
        #expect(head.contains("Cache-Control: no-cache"))
        #expect(head.contains("X-Content-Type-Options: nosniff"))
        #expect(head.contains("ETag: \(WebClientPage.etag)"))
        #expect(head.contains("Content-Security-Policy: default-src 'none'; script-src 'sha256-"))
        #expect(!head.contains("unsafe-inline"))
        #expect(body == WebClientPage.html)

        let unchanged = try await request("GET", "/", headers: "If-None-Match: \"other\", \(WebClientPage.etag)\r\n")
        #expect(unchanged.hasPrefix("HTTP/1.1 304 Not Modified"))
        #expect(split(unchanged).body.isEmpty)
        let changed = try await request("GET", "/", headers: "If-None-Match: \"an-older-page\"\r\n")
        #expect(changed.hasPrefix("HTTP/1.1 200 OK"))

        let headOnly = try await request("HEAD", "/")
        #expect(headOnly.hasPrefix("HTTP/1.1 200 OK"))
        #expect(headOnly.contains("Content-Length: \(WebClientPage.html.utf8.count)"))
        #expect(split(headOnly).body.isEmpty)

        let icon = try await request("GET", "/favicon.ico")
        #expect(icon.hasPrefix("HTTP/1.1 200 OK"))
        #expect(icon.contains("Content-Type: image/svg+xml"))
        #expect(split(icon).body.hasPrefix("<svg"))
        try await gateway.stop()
    }

    private func split(_ response: String) -> (head: String, body: String) {
        guard let range = response.range(of: "\r\n\r\n") else { return (response, "") }
        return (String(response[..<range.lowerBound]), String(response[range.upperBound...]))
    }
}
