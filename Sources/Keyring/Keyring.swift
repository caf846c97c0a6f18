public import ChatDomain
import Crypto
import Foundation

/// Every user's key, sealing and opening what they wrote (protocol §10).
///
/// Keys are AES-256-GCM keys, one per user, kept wrapped by the ``MasterKey`` in the
/// database's `user_keys` table and unwrapped into memory on first use. A fresh random nonce
/// seals every text; the sealed form binds it to its place (``SealingContext``), so text
/// cannot be moved to another event and still open.
///
/// A user once forgotten here (``forget(_:)``) stays forgotten for the life of the process,
/// even if a read raced with the erasure and saw the key still committed.
///
/// > Note: `@unchecked Sendable`: the caches are guarded by `lock`.
public final class Keyring: TextSealer, @unchecked Sendable {
    private let masterKey: MasterKey
    /// Where the wrapped keys live: the SQLite file or the PostgreSQL database of the log.
    public let store: any UserKeyStore
    private let lock = NSLock()
    /// Unwrapped keys; `nil` for a user forgotten here (one lookup answers both questions).
    private var keys: [UserID: SymmetricKey?] = [:]
    /// Random bytes for nonces, drawn in bulk: one draw per 341 seals, not one each.
    private var nonceBytes: [UInt8] = []
    /// What this process sealed lately: the live projection and the push dispatcher open
    /// each new message right after it was sealed, and need not decrypt it. Keyed by the
    /// sealed form's first 15 characters (90 bits of its random nonce, a string small enough
    /// to hash without allocating); an entry answers only for the same sealed form whole.
    private var recentlySealed: [String: (sealed: String, author: UserID, context: String, text: String)] = [:]
    private var recentOrder: [String] = []
    private var recentNext = 0
    private static let recentCapacity = 4096

    public init(masterKey: MasterKey, store: any UserKeyStore) {
        self.masterKey = masterKey
        self.store = store
    }

    /// The keyring of a database whose keys are in `store`, with its master key from
    /// `keyPath`, created when the database has no keys yet (`someKey` is any one of them).
    ///
    /// - Throws: ``KeyringError`` when the database has keys and the key file is missing or
    ///   does not unwrap them.
    public static func open(keyPath: String, store: any UserKeyStore, someKey: (UserID, [UInt8])?) throws -> Keyring {
        let master = try MasterKey.load(path: keyPath, create: someKey == nil)
        let keyring = Keyring(masterKey: master, store: store)
        if let (user, wrapped) = someKey, keyring.unwrap(wrapped, for: user) == nil {
            throw KeyringError.masterKeyMismatch(path: keyPath)
        }
        return keyring
    }

    // MARK: Keys

    /// Creates `user`'s key and stores it wrapped; a key already stored wins.
    public func createKey(for user: UserID) async throws {
        let stored = try await store.storeKey(try wrap(SymmetricKey(size: .bits256), for: user), for: user)
        try remember(stored, for: user)
    }

    /// Destroys the key of a user whose registration failed after the key was made.
    public func deleteKey(for user: UserID) async throws {
        try await store.deleteKey(for: user)
        lock.withLock { keys[user] = nil }
    }

    /// Caches a key just stored (the stored form read back).
    func remember(_ stored: [UInt8]?, for user: UserID) throws {
        guard let stored, let unwrapped = unwrap(stored, for: user) else { throw KeyringError.noKey(user) }
        lock.withLock { keys[user] = .some(unwrapped) }
    }

    /// Whether `user` has a key here now.
    public func hasKey(for user: UserID) -> Bool { key(for: user) != nil }

    /// Forgets `user`'s key in this process for good: called when their erasure is applied.
    public func forget(_ user: UserID) {
        lock.withLock {
            keys[user] = .some(nil)
            recentlySealed = recentlySealed.filter { $0.value.author != user }
        }
    }

    func key(for user: UserID) -> SymmetricKey? {
        if let cached = lock.withLock({ keys[user] }) { return cached }
        guard store.looksUpSynchronously, let wrapped = try? store.wrappedKey(for: user) else { return nil }
        return cache(wrapped, for: user)
    }

    /// Caches a key read from the store, unless the user was forgotten meanwhile.
    func cache(_ wrapped: [UInt8], for user: UserID) -> SymmetricKey? {
        guard let key = unwrap(wrapped, for: user) else { return nil }
        return lock.withLock {
            if let known = keys[user] { return known }
            keys[user] = .some(key)
            return key
        }
    }

    /// Whether opening text by `user` needs a key this keyring has not read yet.
    func lacksKey(for user: UserID) -> Bool { lock.withLock { keys[user] == nil } }

    func wrap(_ key: SymmetricKey, for user: UserID) throws -> [UInt8] {
        let box = try key.withUnsafeBytes { raw in
            try AES.GCM.seal(Data(raw), using: masterKey.key, authenticating: Array("user_key:\(user)".utf8))
        }
        return Array(box.combined!)
    }

    func unwrap(_ wrapped: [UInt8], for user: UserID) -> SymmetricKey? {
        guard let box = try? AES.GCM.SealedBox(combined: wrapped),
            let raw = try? AES.GCM.open(box, using: masterKey.key, authenticating: Array("user_key:\(user)".utf8)),
            raw.count == 32
        else { return nil }
        return SymmetricKey(data: raw)
    }

    // MARK: TextSealer

    public func seal(_ text: String, author: UserID, context: String) throws -> String {
        guard let key = key(for: author) else { throw KeyringError.noKey(author) }
        let box = try AES.GCM.seal(
            Array(text.utf8), using: key, nonce: try AES.GCM.Nonce(data: freshNonce()),
            authenticating: Array(context.utf8))
        let sealed = box.combined!.base64EncodedString()
        remember(sealed, author: author, context: context, text: text)
        return sealed
    }

    /// The first 15 bytes (all ASCII: base64) as a string short enough to be stored inline.
    private static func recentKey(_ sealed: String) -> String {
        String(decoding: sealed.utf8.prefix(15), as: UTF8.self)
    }

    private func remember(_ sealed: String, author: UserID, context: String, text: String) {
        let key = Self.recentKey(sealed)
        lock.withLock {
            if recentOrder.count < Self.recentCapacity {
                recentOrder.append(key)
            } else {
                recentlySealed[recentOrder[recentNext]] = nil
                recentOrder[recentNext] = key
                recentNext = (recentNext + 1) % Self.recentCapacity
            }
            recentlySealed[key] = (sealed, author, context, text)
        }
    }

    /// The text of `sealed` if this process sealed it lately: no key is needed to open it.
    func recentText(_ sealed: String, author: UserID, context: String) -> String? {
        guard let recent = lock.withLock({ recentlySealed[Self.recentKey(sealed)] }), recent.sealed == sealed,
            recent.author == author, recent.context == context
        else { return nil }
        return recent.text
    }

    /// 12 bytes never handed out before, from the system's CSPRNG.
    private func freshNonce() -> [UInt8] {
        lock.withLock {
            if nonceBytes.count < 12 {
                nonceBytes = [UInt8](repeating: 0, count: 4092)
                nonceBytes.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
            }
            defer { nonceBytes.removeLast(12) }
            return Array(nonceBytes.suffix(12))
        }
    }

    public func open(_ sealed: String, author: UserID, context: String) -> String? {
        if let text = recentText(sealed, author: author, context: context) { return text }
        guard let key = key(for: author), let combined = Data(base64Encoded: sealed),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Array(context.utf8))
        else { return nil }
        // Authentic, so what was sealed: the UTF-8 of a Swift string.
        return String(decoding: plain, as: UTF8.self)
    }
}
