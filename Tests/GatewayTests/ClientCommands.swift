import Foundation

/// One JSON line as an object; `null` (the server closed) becomes an empty object.
func json(_ line: String?) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data((line ?? "null").utf8)) as? [String: Any] ?? [:]
}

/// The next response (an object with `status`) on a TCP client, skipping pushes; `nil` if
/// the server closed first.
func response(_ client: RawClient) async throws -> [String: Any]? {
    while let line = try await client.line() {
        let message = try json(line)
        if message["status"] != nil { return message }
    }
    return nil
}

/// Sends a command on a TCP client and returns its response, skipping pushes.
func command(_ client: RawClient, _ line: String) async throws -> [String: Any] {
    try await client.write(line + "\n")
    return try await response(client) ?? [:]
}

/// Sends a command on a WebSocket client and returns its response, skipping pushes.
func command(ws client: RawClient, _ text: String) async throws -> [String: Any] {
    try await client.sendText(text)
    while let message = try await client.json() {
        if message["status"] != nil { return message }
    }
    return [:]
}

/// A command's response and the pushes that arrived before it.
func commandKeepingPushes(_ client: RawClient, _ line: String) async throws -> ([String: Any], [[String: Any]]) {
    try await client.write(line + "\n")
    var pushes = [[String: Any]]()
    while true {
        let message = try json(try await client.line())
        if message["status"] != nil { return (message, pushes) }
        pushes.append(message)
    }
}

/// The next push on a TCP client, skipping responses.
func push(_ client: RawClient) async throws -> [String: Any] {
    while true {
        let message = try json(try await client.line())
        if message["status"] == nil { return message }
    }
}

/// A reply without the field a test needs: the test fails naming the reply, where a force
/// cast would crash the whole run (and every test running beside it).
struct MissingField: Error, CustomStringConvertible {
    var key: String
    var reply: String
    var description: String { "no \(key) in the reply \(reply)" }
}

extension Dictionary where Key == String, Value == Any {
    /// The reply's `key`, of type `T`.
    func field<T>(_ key: String, as type: T.Type) throws -> T {
        guard let value = self[key] as? T else { throw MissingField(key: key, reply: "\(self)") }
        return value
    }
}
