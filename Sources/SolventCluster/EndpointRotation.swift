import Synchronization

/// Which endpoint a client tries first: the last one that answered, so a dead first endpoint
/// costs one timeout once rather than on every call. Shared by a client's copies.
final class EndpointRotation: Sendable {
    let count: Int
    private let preferred = Mutex(0)

    init(count: Int) {
        precondition(count > 0, "a rotation over no endpoints")
        self.count = count
    }

    /// Every endpoint index once, the preferred one first and the rest in turn after it.
    func order() -> [Int] {
        let first = preferred.withLock { $0 }
        return (0..<count).map { (first + $0) % count }
    }

    func prefer(_ index: Int) {
        precondition((0..<count).contains(index), "endpoint index out of range")
        preferred.withLock { $0 = index }
    }
}
