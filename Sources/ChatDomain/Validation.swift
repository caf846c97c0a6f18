/// The value rules of the protocol (protocol §4), shared by every decision.
public enum Validation {
    public static let usernameLength = 3...32
    public static let passwordBytes = 8...1024
    public static let contentLength = 1...4000
    public static let groupNameLength = 1...100
    public static let clientMessageIDMaxLength = 64

    /// The case-insensitive key under which a username is unique.
    public static func usernameKey(_ username: String) -> String { username.lowercased() }

    public static func checkUsername(_ username: String) throws(ChatError) {
        let scalars = username.unicodeScalars
        guard usernameLength.contains(scalars.count) else {
            throw .invalidRequest("username must be 3-32 characters")
        }
        for scalar in scalars {
            let allowed =
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "." || scalar == "-"
            guard allowed else { throw .invalidRequest("username may contain only A-Z a-z 0-9 _ . -") }
        }
    }

    public static func checkPassword(_ password: String) throws(ChatError) {
        guard passwordBytes.contains(password.utf8.count) else {
            throw .invalidRequest("password must be 8-1024 bytes")
        }
    }

    /// Message text: 1-4,000 Unicode scalars, not only Unicode White_Space.
    public static func checkContent(_ content: String) throws(ChatError) {
        let count = content.unicodeScalars.count
        guard count >= contentLength.lowerBound else { throw .invalidRequest("content must not be empty") }
        guard count <= contentLength.upperBound else { throw .contentTooLong }
        guard content.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw .invalidRequest("content must not be only white space")
        }
    }

    public static func checkGroupName(_ name: String) throws(ChatError) {
        guard groupNameLength.contains(name.unicodeScalars.count) else {
            throw .invalidRequest("group_name must be 1-100 characters")
        }
        guard name.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw .invalidRequest("group_name must not be only white space")
        }
    }

    public static func checkClientMessageID(_ id: String?) throws(ChatError) {
        guard let id else { return }
        guard !id.isEmpty, id.unicodeScalars.count <= clientMessageIDMaxLength else {
            throw .invalidRequest("client_message_id must be 1-64 characters")
        }
    }
}
