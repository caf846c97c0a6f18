/// An event to append: its type, schema version and JSON data.
public struct NewEvent: Sendable, Equatable {
    public var type: String
    public var schemaVersion: Int
    /// UTF-8 JSON.
    public var data: [UInt8]

    public init(type: String, schemaVersion: Int, data: [UInt8]) {
        self.type = type
        self.schemaVersion = schemaVersion
        self.data = data
    }
}
