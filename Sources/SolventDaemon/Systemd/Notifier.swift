#if canImport(Glibc)
import Glibc
#endif

/// sd_notify(3) without libsystemd: one datagram per message to the Unix socket named by
/// `$NOTIFY_SOCKET` (a path, or an abstract socket when it starts with `@`). Without the
/// variable every call does nothing, so the daemon runs the same outside systemd.
public struct Notifier: Sendable {
    /// The socket address, nil when not under a supervisor that listens.
    public let socketPath: String?

    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"]
        socketPath = (path?.isEmpty ?? true) ? nil : path
    }

    public var isEnabled: Bool { socketPath != nil }

    /// Recovery is done and the socket accepts requests.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }

    /// Sends `message` as one datagram; failures are ignored, as sd_notify's callers do: the
    /// supervisor's absence must not stop the service.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return Self.withAddress(socketPath) { address, length in
            let bytes = Array(message.utf8)
            return sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), address, length) == bytes.count
        } ?? false
    }

    /// Builds the `sockaddr_un` for `path`: `@name` is Linux's abstract namespace, a leading NUL
    /// and no terminator (unix(7)); nil if the path does not fit.
    public static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = socklen_t(offset + bytes.count + (abstract ? 0 : 1))
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}

/// The watchdog interval systemd asks for (`WatchdogSec=`), per sd_watchdog_enabled(3): set
/// when `WATCHDOG_USEC` is and `WATCHDOG_PID`, if present, is this process.
public func watchdogInterval(environment: [String: String], pid: Int32 = getpid()) -> Duration? {
    guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
    if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
    return .microseconds(Int64(usec))
}
