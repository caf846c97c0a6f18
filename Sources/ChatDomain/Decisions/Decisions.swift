/// The command → events decisions: pure functions of a command and the state it needs.
///
/// Each returns the events to append (possibly none, when nothing changes) or throws the
/// ``ChatError`` the client receives. Nothing here does I/O or reads a clock: ids, times
/// and state are passed in, so every rule is testable given/when/then.
public enum Decisions {}
