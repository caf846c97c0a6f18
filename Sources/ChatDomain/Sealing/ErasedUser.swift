import Crypto

/// How an erased user — or one whose key is not here — is shown (protocol §10).
public enum ErasedUser {
    /// `erased-user-` and eight hex digits derived from the id: the same in every rebuild,
    /// unique enough to tell erased users apart, and revealing nothing but the id.
    public static func placeholderName(for id: UserID) -> String {
        let digest = SHA256.hash(data: Array(id.rawValue.utf8))
        return "erased-user-"
            + digest.prefix(4).map { byte in
                let hex = String(byte, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }.joined()
    }
}
