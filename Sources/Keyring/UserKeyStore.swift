public import ChatDomain

/// Where the wrapped user keys are kept: beside the log, in the same database, but not in it.
///
/// Lookups are synchronous because text is opened while events are decoded, on whatever
/// thread decodes them (never an event loop); the keyring caches every key it reads, so a
/// lookup happens once per user and process.
public protocol UserKeyStore: Sendable {
    /// The user's wrapped key, if they have one.
    func wrappedKey(for user: UserID) throws -> [UInt8]?

    /// Stores `wrapped` unless the user has a key already, and returns the key now stored.
    func storeKey(_ wrapped: [UInt8], for user: UserID) async throws -> [UInt8]?

    /// Destroys the user's key (a registration that failed after its key was made).
    func deleteKey(for user: UserID) async throws

    /// Every stored key, by user id: what an export carries.
    func allKeys() async throws -> [(UserID, [UInt8])]
}
