import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Many clients that keep one request in flight each (the 64 of `solvent bench ingest`), on one thread of
/// their own with plain blocking sockets and `poll(2)`.
///
/// The clients share the daemon's two cores, and every group commit of that figure waits for
/// all of them to read an acknowledgement and write their next request. Through NIO
/// (`LoadClient`) that cost the bench about 6–7 µs of CPU per request — a channel read, the
/// pipeline, a write and flush — which the daemon lost from its cores, and which lengthened
/// the chain every acknowledgement waits for: 64 clients served one after another by one event
/// loop. A client here is a socket: one `read` of its reply and one `write` of its next request.
/// Not a general client (replies are counted by their newlines, never parsed); the daemon's own
/// counters check that every request was appended.
public enum PollClients {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// One client's requests, encoded back to back, and where each ends.
    public struct Requests: Sendable {
        public var bytes: [UInt8]
        public var ends: [Int]

        /// Copied out of NIO's buffer before the timer starts.
        public init(_ requests: LoadClient.Requests) {
            bytes = requests.bytes.getBytes(at: requests.bytes.readerIndex, length: requests.bytes.readableBytes) ?? []
            ends = requests.ends
        }
    }

    /// Connects one socket per element of `requests` (each that client's requests, as lines),
    /// sends each client's next request when its previous reply is in, and returns once every
    /// reply is: how many, and the send-to-reply time of each. `keepReplies` keeps what each
    /// client received (`Result.replyBytes`, one element per client) for parsing afterwards.
    public static func run(socketPath: String, requests: [Requests], keepReplies: Bool = false) throws -> LoadClient.Result {
        var clients = try requests.map { try Client(socketPath: socketPath, requests: $0, keepReplies: keepReplies) }
        defer { for client in clients { close(client.fd) } }
        var polled = clients.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        var latenciesNs: [UInt64] = []
        latenciesNs.reserveCapacity(requests.reduce(0) { $0 + $1.ends.count })
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var active = 0
        for index in clients.indices {
            if try clients[index].sendNext() { active += 1 }
        }
        while active > 0 {
            let ready = poll(&polled, nfds_t(polled.count), 30_000)
            guard ready > 0 else {
                if ready < 0 && errno == EINTR { continue }
                throw Failure(description: ready == 0 ? "no reply within 30 s" : "poll: \(String(cString: strerror(errno)))")
            }
            for index in polled.indices where polled[index].revents != 0 {
                polled[index].revents = 0
                guard let sentNs = try clients[index].readReply(into: &buffer) else { continue }
                latenciesNs.append(DispatchTime.now().uptimeNanoseconds - sentNs)
                if try !clients[index].sendNext() {
                    polled[index].fd = -1  // poll skips a negative descriptor
                    active -= 1
                }
            }
        }
        return LoadClient.Result(replies: latenciesNs.count, latenciesNs: latenciesNs,
                                 replyBytes: keepReplies ? clients.map(\.received) : [])
    }

    private struct Client {
        let fd: Int32
        let bytes: [UInt8]
        let ends: [Int]
        var sent = 0
        /// Requests sent and not yet answered (0 or 1), and when the last one was sent.
        var waiting = 0
        var sentNs: UInt64 = 0
        let keepReplies: Bool
        var received: [UInt8] = []

        init(socketPath: String, requests: Requests, keepReplies: Bool = false) throws {
            self.keepReplies = keepReplies
            bytes = requests.bytes
            ends = requests.ends
            fd = try Self.connect(socketPath)
        }

        /// Writes the next request; false when every request was sent.
        mutating func sendNext() throws -> Bool {
            guard sent < ends.count else { return false }
            let start = sent == 0 ? 0 : ends[sent - 1]
            try bytes.withUnsafeBytes { raw in
                var offset = start
                while offset < ends[sent] {
                    let written = write(fd, raw.baseAddress! + offset, ends[sent] - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { throw Failure(description: "write: \(String(cString: strerror(errno)))") }
                    offset += written
                }
            }
            sent += 1
            waiting = 1
            sentNs = DispatchTime.now().uptimeNanoseconds
            return true
        }

        /// Reads what arrived; the send time of the request it completed, if the reply is whole.
        mutating func readReply(into buffer: inout [UInt8]) throws -> UInt64? {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { return nil }
            guard count > 0 else {
                throw Failure(description: count == 0 ? "the daemon closed a connection with a request unanswered"
                                                       : "read: \(String(cString: strerror(errno)))")
            }
            if keepReplies { received.append(contentsOf: buffer[..<count]) }
            let lines = buffer[..<count].reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            guard lines <= waiting else { throw Failure(description: "a reply came for no request") }
            waiting -= lines
            return lines == 1 ? sentNs : nil
        }

        private static func connect(_ path: String) throws -> Int32 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let pathBytes = Array(path.utf8)
            guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                close(fd)
                throw Failure(description: "socket path too long: \(path)")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: pathBytes)
                raw[pathBytes.count] = 0
            }
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard status == 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw Failure(description: "connect \(path): \(reason)")
            }
            return fd
        }
    }
}
