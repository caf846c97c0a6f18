public import ChatDomain
import Crypto
import Foundation

/// The keys file of `replay export --keys-out` and `import --keys-in`: NDJSON lines
/// `{"key","user_id"}`, each key unwrapped (base64), so that another master key can wrap it.
extension Keyring {
    /// Every key in the store, as keys-file lines. Erased users have no key to export.
    public func exportKeys() async throws -> [UInt8] {
        try keyLines(try await store.allKeys())
    }

    /// Stores the keys of a keys file, wrapped by this keyring's master key.
    ///
    /// - Returns: how many keys were read.
    public func importKeys(_ text: String) async throws -> Int {
        let keys = try wrappedKeys(fromKeysFile: text)
        for (user, wrapped) in keys { _ = try await store.storeKey(wrapped, for: user) }
        return keys.count
    }

    func keyLines(_ wrappedKeys: [(UserID, [UInt8])]) throws -> [UInt8] {
        var out = [UInt8]()
        for (user, wrapped) in wrappedKeys {
            guard let key = unwrap(wrapped, for: user) else { throw KeyringError.masterKeyMismatch(path: "") }
            let line = try JSONSerialization.data(
                withJSONObject: [
                    "user_id": user.rawValue, "key": key.withUnsafeBytes { Data($0).base64EncodedString() },
                ],
                options: [.sortedKeys])
            out.append(contentsOf: line)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// The keys of a keys file, wrapped by this keyring's master key.
    public func wrappedKeys(fromKeysFile text: String) throws -> [(UserID, [UInt8])] {
        try text.split(separator: "\n", omittingEmptySubsequences: true).enumerated().map { index, line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                let user = object["user_id"], let encoded = object["key"], let raw = Data(base64Encoded: encoded),
                raw.count == 32
            else { throw KeyringError.malformedKeysFile(line: index + 1) }
            return (UserID(user), try wrap(SymmetricKey(data: raw), for: UserID(user)))
        }
    }
}
