/// A message as the edit and delete decisions see it: its current version.
public struct CurrentMessage: Sendable, Equatable {
    public var reference: MessageReference
    public var content: String
    /// When it was last edited; `nil` if never.
    public var editedAt: Timestamp?
    /// The position of the event that made this version: the message's, or its last edit's.
    public var versionPosition: Int64
    public var deleted: Bool

    public init(
        reference: MessageReference, content: String, editedAt: Timestamp?, versionPosition: Int64, deleted: Bool
    ) {
        self.reference = reference
        self.content = content
        self.editedAt = editedAt
        self.versionPosition = versionPosition
        self.deleted = deleted
    }
}
