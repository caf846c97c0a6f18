import ChatDomain
import Foundation

/// A sealer for coding tests: deterministic and transparent, bound to author and context
/// like the real one; `erased` authors have no key.
struct TestSealer: TextSealer {
    var erased: Set<UserID> = []

    struct NoKey: Error {}

    func seal(_ text: String, author: UserID, context: String) throws -> String {
        guard !erased.contains(author) else { throw NoKey() }
        return "\(author)|\(context)|" + Data(text.utf8).base64EncodedString()
    }

    func open(_ sealed: String, author: UserID, context: String) -> String? {
        let prefix = "\(author)|\(context)|"
        guard !erased.contains(author), sealed.hasPrefix(prefix),
            let bytes = Data(base64Encoded: String(sealed.dropFirst(prefix.count)))
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
