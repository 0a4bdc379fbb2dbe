import Crypto
import SolventCore

/// The pre-shared-key handshake of the replication link (docs/REPLICATION.md, "The link"): each
/// side proves it holds the key by an HMAC-SHA256 over both sides' fresh nonces, so neither a
/// standby nor a leader without the key gets a record, and a recorded exchange cannot be
/// replayed (the other side's nonce is new each time). The records themselves are not
/// encrypted: run the link on a private network or in a tunnel (mutual TLS is the alternative the
/// issue names; this is the documented pre-shared-key one).
public struct Handshake: Sendable {
    public static let nonceBytes = 32
    public static let proofBytes = 32
    public static let minimumKeyBytes = 32

    /// The key's bytes (`SymmetricKey` is not Sendable; it is made per use).
    private let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    /// `secret` is the shared key (at least 32 bytes: read from a file, never typed).
    public init(secret: [UInt8]) throws(ReplicationError) {
        guard secret.count >= Self.minimumKeyBytes else {
            throw .unauthenticated("the pre-shared key must be at least \(Self.minimumKeyBytes) bytes, not \(secret.count)")
        }
        self.secret = secret
    }

    public static func nonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<nonceBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// What the standby proves: the leader's nonce, its own, its node id, the seq it asks from
    /// and its chain probes (so that nobody between them can make it drop records).
    static func standbyMessage(leaderNonce: [UInt8], standbyNonce: [UInt8], node: String, from: Seq, probes: [ChainProbe]) -> [UInt8] {
        Array("solvent-standby".utf8) + leaderNonce + standbyNonce + Array(node.utf8) + withUnsafeBytes(of: from.rawValue.bigEndian, Array.init)
            + ChainProbe.encode(probes)
    }

    /// What the leader proves: the standby's nonce, its own and its node id.
    static func leaderMessage(leaderNonce: [UInt8], standbyNonce: [UInt8], node: String) -> [UInt8] {
        Array("solvent-leader".utf8) + standbyNonce + leaderNonce + Array(node.utf8)
    }

    func prove(_ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    /// Whether `proof` proves `message` under the key (HMAC's comparison, in constant time).
    func verify(_ proof: [UInt8], _ message: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(proof, authenticating: message, using: key)
    }
}
