/// The SQL of ``ChatProjection``, with the table names of one ``ReadModelTables`` filled in.
struct ProjectionSQL: Sendable {
    let selectCheckpoint: String
    let upsertCheckpoint: String
    let insertUser: String
    let insertSession: String
    let endSession: String
    let deleteMember: String
    let insertChat: String
    let upsertMember: String
    let insertMessage: String
    let insertClientMessageID: String
    let messagePosition: String
    let watermarkPosition: String
    let upsertWatermark: String
    let markFirstRead: String
    let editMessage: String
    let deleteMessage: String
    let eraseUser: String
    let eraseMessages: String
    let endSessionsOfUser: String

    init(_ tables: ReadModelTables) {
        selectCheckpoint = "SELECT position FROM \(tables.checkpoints) WHERE name = ?"
        upsertCheckpoint =
            "INSERT INTO \(tables.checkpoints) (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position"
        insertUser =
            "INSERT INTO \(tables.users) (user_id, username, username_key, password, registered_at, erased) VALUES (?, ?, ?, ?, ?, ?)"
        insertSession =
            "INSERT INTO \(tables.sessions) (token_hash, user_id, started_at, expires_at) VALUES (?, ?, ?, ?)"
        endSession = "UPDATE \(tables.sessions) SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL"
        deleteMember = "DELETE FROM \(tables.members) WHERE chat_id = ? AND user_id = ?"
        insertChat =
            "INSERT INTO \(tables.chats) (chat_id, kind, name, created_by, created_at, created_position) VALUES (?, ?, ?, ?, ?, ?)"
        upsertMember =
            "INSERT INTO \(tables.members) (chat_id, user_id, role, joined_position) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
        insertMessage =
            "INSERT INTO \(tables.messages) (position, message_id, chat_id, sender_id, content, client_message_id, sent_at, erased) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        insertClientMessageID =
            "INSERT INTO \(tables.clientMessageIDs) (sender_id, client_message_id, message_id) VALUES (?, ?, ?)"
        messagePosition = "SELECT position FROM \(tables.messages) WHERE message_id = ? AND chat_id = ?"
        watermarkPosition = "SELECT up_to_position FROM \(tables.readWatermarks) WHERE chat_id = ? AND user_id = ?"
        upsertWatermark = """
            INSERT INTO \(tables.readWatermarks) (chat_id, user_id, up_to_position, up_to_message_id, read_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (chat_id, user_id) DO UPDATE SET
                up_to_position = excluded.up_to_position, up_to_message_id = excluded.up_to_message_id,
                read_at = excluded.read_at
            """
        // A tombstone keeps no text: the log has every version for audit.
        editMessage =
            "UPDATE \(tables.messages) SET content = ?1, edited_at = ?2, version_position = ?3, erased = ?6 WHERE message_id = ?4 AND chat_id = ?5 AND deleted = 0"
        deleteMessage =
            "UPDATE \(tables.messages) SET content = '', deleted = 1 WHERE message_id = ? AND chat_id = ?"
        eraseUser =
            "UPDATE \(tables.users) SET username = ?, username_key = ?, password = '', erased = 1 WHERE user_id = ?"
        // A full scan: erasure is rare, and an index by sender would cost every message a page.
        eraseMessages = "UPDATE \(tables.messages) SET content = '', erased = 1 WHERE sender_id = ?"
        endSessionsOfUser = "UPDATE \(tables.sessions) SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL"
        markFirstRead = """
            UPDATE \(tables.messages) SET first_read_at = ?
            WHERE chat_id = ? AND position > ? AND position <= ? AND sender_id != ? AND first_read_at IS NULL
            """
    }
}
