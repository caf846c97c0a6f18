import Crypto

/// A bearer token handed to a client at login, and the hash under which it is recorded.
public struct SessionToken: Sendable, Equatable {
    /// The secret the client keeps: 64 hex characters (256 random bits). Never log it.
    public var value: String

    public init(value: String) {
        self.value = value
    }

    /// A fresh token from the system's secure random source.
    public static func generate() -> SessionToken {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return SessionToken(value: Hex.encode(bytes))
    }

    /// Lowercase hex SHA-256 of the token: what the log and projections store.
    public var hash: String { Self.hash(of: value) }

    /// The hash of a token presented by a client.
    public static func hash(of token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }
}

/// Lowercase hexadecimal encoding.
public enum Hex {
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
