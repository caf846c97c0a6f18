public import ChatDomain

/// Why keys could not be used.
public enum KeyringError: Error, Equatable, CustomStringConvertible {
    case masterKeyMissing(path: String)
    case masterKeyExposed(path: String, mode: Int)
    case masterKeyMalformed(path: String)
    case masterKeyUnwritable(path: String, errno: Int32)
    /// The database holds keys this master key does not unwrap.
    case masterKeyMismatch(path: String)
    /// The user has no key: erased, or never given one here.
    case noKey(UserID)
    case malformedKeysFile(line: Int)

    public var description: String {
        switch self {
        case .masterKeyMissing(let path):
            "the database has user keys, but their master key file \(path) does not exist (pass --key-file)"
        case .masterKeyExposed(let path, let mode):
            "the master key file \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it"
        case .masterKeyMalformed(let path): "the master key file \(path) is not 32 bytes of base64"
        case .masterKeyUnwritable(let path, let errno): "cannot write the master key file \(path) (errno \(errno))"
        case .masterKeyMismatch(let path): "the master key in \(path) does not open this database's user keys"
        case .noKey(let user): "user \(user) has no key (erased?)"
        case .malformedKeysFile(let line): "the keys file is malformed at line \(line)"
        }
    }
}
