import EventStore

func event(_ type: String, _ json: String) -> NewEvent {
    NewEvent(type: type, schemaVersion: 1, data: Array(json.utf8))
}
