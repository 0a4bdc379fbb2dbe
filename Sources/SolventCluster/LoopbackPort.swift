import Foundation

/// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read back, released.
/// Another process can take it before the caller binds it, so callers retry.
func freeLoopbackPort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw PortProbeError(errno: errno) }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(socketFD, socketAddress, length) == 0 && getsockname(socketFD, socketAddress, &length) == 0
        }
    }
    guard bound else { throw PortProbeError(errno: errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct PortProbeError: Error, CustomStringConvertible {
    var errno: Int32
    var description: String { "cannot find a free loopback port: \(String(cString: strerror(errno)))" }
}
