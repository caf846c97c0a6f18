public import ChatDomain

/// Where the wrapped user keys are kept: beside the log, in the same database, but not in it.
///
/// Text is opened while events are decoded, synchronously, on whatever thread decodes them
/// (an event loop's, too). A store that can answer there without waiting on the network (a
/// local SQLite file) says so, and is asked one key at a time; any other is asked ahead, in
/// bulk (``Keyring/prefetchKeys(for:)``). The keyring caches every key it reads.
public protocol UserKeyStore: Sendable {
    /// Whether ``wrappedKey(for:)`` may be called while decoding.
    var looksUpSynchronously: Bool { get }

    /// The user's wrapped key, if they have one (only where ``looksUpSynchronously``).
    func wrappedKey(for user: UserID) throws -> [UInt8]?

    /// The wrapped keys of those of `users` who have one.
    func wrappedKeys(for users: [UserID]) async throws -> [(UserID, [UInt8])]

    /// Stores `wrapped` unless the user has a key already, and returns the key now stored.
    func storeKey(_ wrapped: [UInt8], for user: UserID) async throws -> [UInt8]?

    /// Destroys the user's key (a registration that failed after its key was made).
    func deleteKey(for user: UserID) async throws

    /// Every stored key, by user id: what an export carries.
    func allKeys() async throws -> [(UserID, [UInt8])]
}
