import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Cold-cache runs: dropping a file's pages from the page cache and checking they are gone.
enum PageCache {
    /// Drops `path`'s pages: fsync, then `posix_fadvise(POSIX_FADV_DONTNEED)` on the whole file;
    /// if more than 5 % is still resident after that, `echo 1 > /proc/sys/vm/drop_caches` too
    /// (root only). Returns what was used and the resident share afterwards, for the note.
    static func drop(_ path: String) -> (method: String, residentAfter: Double) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return ("none (cannot open \(path))", residentFraction(path)) }
        fsync(fd)
        let advised = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
        close(fd)
        var method = advised == 0 ? "fsync + posix_fadvise(DONTNEED)" : "posix_fadvise failed (\(advised))"
        var resident = residentFraction(path)
        if resident > 0.05 {
            sync()
            if let handle = FileHandle(forWritingAtPath: "/proc/sys/vm/drop_caches") {
                handle.write(Data("1\n".utf8))
                try? handle.close()
                method += " + drop_caches"
            } else {
                method += "; drop_caches not permitted"
            }
            resident = residentFraction(path)
        }
        return (method, resident)
    }

    /// The share of `path`'s pages in the page cache (mincore over a read-only mapping), 0…1;
    /// -1 if it cannot be told.
    static func residentFraction(_ path: String) -> Double {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return -1 }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return -1 }
        let size = Int(info.st_size)
        guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != UnsafeMutableRawPointer(bitPattern: -1) else { return -1 }
        defer { munmap(map, size) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (size + page - 1) / page
        var vector = [UInt8](repeating: 0, count: pages)
        guard mincore(map, size, &vector) == 0 else { return -1 }
        return Double(vector.reduce(0) { $0 + Int($1 & 1) }) / Double(pages)
    }

    static func percent(_ fraction: Double) -> String {
        fraction < 0 ? "unknown" : String(format: "%.1f%%", fraction * 100)
    }
}

/// A datagram socket standing in for systemd's notify socket: `solventd` sends `READY=1` to
/// `$NOTIFY_SOCKET` once recovery is done and it accepts requests.
final class NotifyListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure(message: "notify socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw BenchFailure(message: "notify socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw BenchFailure(message: "notify socket bind: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Waits for a datagram holding the line `READY=1`; the instant it was read, or nil after
    /// `timeoutMs` (or if `stillRunning` says the daemon is gone).
    func waitForReady(timeoutMs: Int, stillRunning: () -> Bool) -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var polled = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&polled, 1, 100)
            if ready == 0 {
                if !stillRunning() { return nil }
                continue
            }
            if ready < 0 { if errno == EINTR { continue } else { return nil } }
            let count = recv(fd, &buffer, buffer.count, 0)
            let now = ContinuousClock.now
            guard count > 0 else { continue }
            let message = String(decoding: buffer[..<count], as: UTF8.self)
            if message.split(separator: "\n").contains("READY=1") { return now }
        }
        return nil
    }
}
