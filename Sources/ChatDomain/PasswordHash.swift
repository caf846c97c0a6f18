import Crypto
import Foundation
import _CryptoExtras

/// An scrypt password hash with its salt and parameters, as stored in ``UserRegistered``.
///
/// Keeping the parameters beside the hash lets the defaults be raised later without
/// invalidating existing accounts.
public struct PasswordHash: Codable, Sendable, Equatable {
    /// Always `"scrypt"` for now.
    public var algorithm: String
    /// CPU/memory cost (`N`), a power of two.
    public var rounds: Int
    /// Block size (`r`).
    public var blockSize: Int
    /// Parallelism (`p`).
    public var parallelism: Int
    /// Base64 salt, 16 random bytes.
    public var salt: String
    /// Base64 derived key, 32 bytes.
    public var hash: String

    public init(algorithm: String, rounds: Int, blockSize: Int, parallelism: Int, salt: String, hash: String) {
        self.algorithm = algorithm
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.salt = salt
        self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case algorithm
        case rounds = "n"
        case blockSize = "r"
        case parallelism = "p"
        case salt, hash
    }

    /// scrypt cost parameters.
    public struct Parameters: Sendable, Equatable {
        public var rounds: Int
        public var blockSize: Int
        public var parallelism: Int

        public init(rounds: Int, blockSize: Int, parallelism: Int) {
            self.rounds = rounds
            self.blockSize = blockSize
            self.parallelism = parallelism
        }

        /// `N = 2^15, r = 8, p = 1`: about 32 MiB and tens of milliseconds per hash.
        public static let standard = Parameters(rounds: 1 << 15, blockSize: 8, parallelism: 1)
        /// Cheap parameters for tests and benchmarks only.
        public static let fastForTesting = Parameters(rounds: 1 << 10, blockSize: 8, parallelism: 1)
    }

    /// Hashes `password` with a fresh random salt.
    ///
    /// > Warning: This is deliberately slow; never call it on an event loop.
    public static func make(password: String, parameters: Parameters = .standard) throws -> PasswordHash {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let key = try derive(password: password, salt: salt, parameters: parameters)
        return PasswordHash(
            algorithm: "scrypt", rounds: parameters.rounds, blockSize: parameters.blockSize,
            parallelism: parameters.parallelism, salt: salt.base64EncodedString(), hash: key.base64EncodedString())
    }

    /// Whether `password` matches, compared in constant time.
    public func verify(password: String) -> Bool {
        guard algorithm == "scrypt", let salt = Data(base64Encoded: salt), let expected = Data(base64Encoded: hash),
            let actual = try? Self.derive(
                password: password, salt: salt,
                parameters: Parameters(rounds: rounds, blockSize: blockSize, parallelism: parallelism))
        else { return false }
        guard actual.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(actual, expected) { difference |= left ^ right }
        return difference == 0
    }

    private static func derive(password: String, salt: Data, parameters: Parameters) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: parameters.rounds,
            blockSize: parameters.blockSize, parallelism: parameters.parallelism)
        return key.withUnsafeBytes { Data($0) }
    }
}
