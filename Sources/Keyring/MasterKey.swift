public import Crypto
import Foundation

/// The key that wraps every user's key at rest (protocol §10): 32 random bytes, base64, in a
/// file only its owner may read. Without it the database's sealed text cannot be read.
public struct MasterKey: Sendable {
    let key: SymmetricKey

    public init(_ key: SymmetricKey) { self.key = key }

    /// Where the key file goes unless `--key-file` says otherwise: beside the database.
    public static func defaultPath(forDatabase path: String) -> String { path + ".key" }

    /// Reads the key file, or creates it (mode 0600) when `create` allows and it is missing.
    ///
    /// - Throws: ``KeyringError`` when the file is unreadable, malformed, or readable by
    ///   others (as ssh refuses a private key others can read).
    public static func load(path: String, create: Bool) throws -> MasterKey {
        if !FileManager.default.fileExists(atPath: path) {
            guard create else { throw KeyringError.masterKeyMissing(path: path) }
            return try make(path: path)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw KeyringError.masterKeyExposed(path: path, mode: mode)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
            throw KeyringError.masterKeyMalformed(path: path)
        }
        return MasterKey(SymmetricKey(data: bytes))
    }

    /// Writes a new key to a new file, never over an existing one.
    private static func make(path: String) throws -> MasterKey {
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            // Another process created it first: use theirs.
            if errno == EEXIST { return try load(path: path, create: false) }
            throw KeyringError.masterKeyUnwritable(path: path, errno: errno)
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw KeyringError.masterKeyUnwritable(path: path, errno: errno)
        }
        return MasterKey(key)
    }
}
