import ChatDomain
import EventStore
import Keyring
import Projections

extension ChatService {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct RegisterResult: Encodable {
        var user_id: UserID
        var username: String
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct LoginResult: Encodable {
        var token: String
        var user_id: UserID
        var username: String
        var expires_at: Timestamp
        var position: Int64
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct AuthResult: Encodable {
        var user_id: UserID
        var username: String
        var position: Int64
    }

    func register(username: String, password: String, metadata: EventMetadata) async throws -> [UInt8] {
        try Validation.checkUsername(username)
        try Validation.checkPassword(password)
        let key = Validation.usernameKey(username)
        let taken = try await readModel.account(usernameKey: key) != nil
        guard !taken else { throw ChatError.usernameTaken }
        let parameters = configuration.passwordParameters
        let hash = try await BlockingWork.run { try PasswordHash.make(password: password, parameters: parameters) }
        let userID = IdentifierFactory.newUserID()
        let events = try Decisions.register(
            username: username, password: password, usernameTaken: false, userID: userID, passwordHash: hash,
            now: configuration.clock())
        // The key first, committed: the registration is sealed with it. If the registration
        // then fails, the key is removed again (a key left over would name no one).
        try await keyring.createKey(for: userID)
        do {
            _ = try await append(events, to: StreamName.user(userID), expected: .noStream, metadata: metadata)
        } catch EventStoreError.rejectedByProjection {
            try? await keyring.deleteKey(for: userID)
            throw ChatError.usernameTaken  // a concurrent registration of the same name won
        } catch {
            try? await keyring.deleteKey(for: userID)
            throw error
        }
        return try ReplyEncoder.fields(RegisterResult(user_id: userID, username: username))
    }

    func login(username: String, password: String, metadata: EventMetadata) async throws -> ([UInt8], SessionEffect?) {
        let key = Validation.usernameKey(username)
        let account = try await readModel.account(usernameKey: key)
        let token = SessionToken.generate()
        let now = configuration.clock()
        let lifetime = configuration.sessionLifetimeMilliseconds
        let tokenHash = token.hash
        let events = try await BlockingWork.run { () throws(ChatError) -> [ChatEvent] in
            try Decisions.login(
                account: account, password: password, tokenHash: tokenHash, now: now, lifetimeMilliseconds: lifetime)
        }
        guard let account, case .sessionStarted(let started)? = events.first else { throw ChatError.invalidCredentials }
        var loginMetadata = metadata
        loginMetadata.actor = account.userID.rawValue
        let result = try await append(
            events, to: StreamName.user(account.userID), expected: .any, metadata: loginMetadata)
        let session = AuthenticatedSession(userID: account.userID, username: account.username, tokenHash: tokenHash)
        let fields = try ReplyEncoder.fields(
            LoginResult(
                token: token.value, user_id: account.userID, username: account.username, expires_at: started.expiresAt,
                position: result.lastPosition))
        return (fields, .authenticated(session, since: nil))
    }

    func auth(token: String, since: Int64?) async throws -> ([UInt8], SessionEffect?) {
        let tokenHash = SessionToken.hash(of: token)
        let record = try await readModel.session(tokenHash: tokenHash)
        let session = try Decisions.authenticate(session: record, now: configuration.clock())
        let head = try await log.headPosition()
        let authenticated = AuthenticatedSession(
            userID: session.userID, username: session.username, tokenHash: tokenHash)
        let fields = try ReplyEncoder.fields(
            AuthResult(user_id: session.userID, username: session.username, position: head))
        return (fields, .authenticated(authenticated, since: since))
    }

    func logout(_ session: AuthenticatedSession, metadata: EventMetadata) async throws -> ([UInt8], SessionEffect?) {
        let hash = session.tokenHash
        if let record = try await readModel.session(tokenHash: hash) {
            let events = Decisions.logout(session: record, now: configuration.clock())
            if !events.isEmpty {
                _ = try await append(
                    events, to: StreamName.user(session.userID), expected: .any, metadata: metadata)
            }
        }
        return (Array("{}".utf8), .loggedOut(tokenHash: hash))
    }
}
