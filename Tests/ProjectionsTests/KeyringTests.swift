import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Keyring
import Testing

/// Per-user keys and the master key file (protocol §10).
@Suite struct KeyringTests {
    let directory: TemporaryDirectory
    let database: String
    let alice = UserID("u-alice")

    init() throws {
        directory = try TemporaryDirectory()
        database = directory.path("chat.db")
        _ = try EventLogFile.create(path: database)
    }

    func keyring(withKeyFor users: [UserID]) throws -> Keyring {
        let keyring = try Keyring.open(databasePath: database)
        let connection = try EventLogFile.openExisting(path: database)
        for user in users { try keyring.createKey(for: user, on: connection) }
        return keyring
    }

    @Test func theMasterKeyFileIsCreatedOwnerOnly() throws {
        _ = try keyring(withKeyFor: [alice])
        let attributes = try FileManager.default.attributesOfItem(atPath: database + ".key")
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(try String(contentsOfFile: database + ".key", encoding: .utf8).count == 45)
    }

    @Test func textOpensOnlyForItsAuthorAndPlaceAndNeverSealsTheSameTwice() throws {
        let keyring = try keyring(withKeyFor: [alice, UserID("u-bob")])
        let first = try keyring.seal("hello", author: alice, context: "message_content:m1")
        let second = try keyring.seal("hello", author: alice, context: "message_content:m1")
        #expect(first != second, "a fresh nonce each time")
        #expect(!first.contains("hello"))
        // A fresh keyring has nothing in memory: it decrypts from the stored key.
        let reopened = try Keyring.open(databasePath: database)
        #expect(reopened.open(first, author: alice, context: "message_content:m1") == "hello")
        #expect(reopened.open(first, author: alice, context: "message_content:m2") == nil, "bound to its place")
        #expect(reopened.open(first, author: UserID("u-bob"), context: "message_content:m1") == nil)
        #expect(keyring.open(first, author: alice, context: "message_content:m2") == nil, "the recent cache too")
    }

    @Test func aForgottenUserStaysForgottenAndCannotSeal() throws {
        let keyring = try keyring(withKeyFor: [alice])
        let sealed = try keyring.seal("hello", author: alice, context: "c")
        keyring.forget(alice)
        #expect(keyring.open(sealed, author: alice, context: "c") == nil, "even what it sealed itself")
        #expect(throws: KeyringError.noKey(alice)) { try keyring.seal("again", author: alice, context: "c") }
        #expect(!keyring.hasKey(for: alice), "the stored key is not read back")
    }

    @Test func aMissingExposedOrWrongKeyFileIsRefusedRatherThanShowingEveryoneErased() throws {
        _ = try keyring(withKeyFor: [alice])
        let keyFile = database + ".key"
        chmod(keyFile, 0o644)
        #expect(throws: KeyringError.masterKeyExposed(path: keyFile, mode: 0o644)) {
            try Keyring.open(databasePath: database)
        }
        try FileManager.default.removeItem(atPath: keyFile)
        #expect(throws: KeyringError.masterKeyMissing(path: keyFile)) { try Keyring.open(databasePath: database) }
        #expect(throws: KeyringError.masterKeyMissing(path: keyFile)) { try Keyring.existing(databasePath: database) }
        let other = directory.path("other.key")
        _ = try MasterKey.load(path: other, create: true)
        #expect(throws: KeyringError.masterKeyMismatch(path: other)) {
            try Keyring.open(databasePath: database, keyFile: other)
        }
    }

    @Test func keysExportAndImportIntoAnotherDatabaseUnderItsOwnMasterKey() throws {
        let keyring = try keyring(withKeyFor: [alice])
        let sealed = try keyring.seal("hello", author: alice, context: "c")
        let exported = try keyring.exportKeys(from: EventLogFile.openExisting(path: database, readOnly: true))
        let target = directory.path("copy.db")
        let connection = try EventLogFile.create(path: target)
        let copy = try Keyring.open(databasePath: target)
        #expect(try copy.importKeys(String(decoding: exported, as: UTF8.self), into: connection) == 1)
        #expect(copy.open(sealed, author: alice, context: "c") == "hello")
        #expect(throws: KeyringError.malformedKeysFile(line: 1)) { try copy.importKeys("nope\n", into: connection) }
    }
}
