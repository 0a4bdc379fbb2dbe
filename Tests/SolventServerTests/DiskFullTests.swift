import Foundation
import SolventCore
import SolventServer
import SolventStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real full disk (issue 10): the data directory on a 512 KiB tmpfs, filled through the socket
/// until LMDB's writes fail with ENOSPC, then grown with a remount while the server runs. Needs
/// the right to mount (root or CAP_SYS_ADMIN); elsewhere it is skipped (the map-cap test of
/// StorageFaultTests covers the same refusal path), except under CI=true, where it fails.
@Suite struct DiskFullTests {
    @Test(.enabled(if: runsHere(needing: SmallFilesystem.canMount), "needs the right to mount a tmpfs (root or CAP_SYS_ADMIN)"))
    func fullFilesystemRefusesAppendsKeepsReadsAndResumesWhenSpaceReturns() async throws {
        try #require(SmallFilesystem.canMount, "cannot mount a tmpfs (needs root or CAP_SYS_ADMIN); under CI=true that fails the test")
        try await withTemporaryDirectory { directory in
            let mountPoint = directory + "/fs"
            let filesystem = try SmallFilesystem(at: mountPoint, sizeKiB: 512)
            defer { filesystem.unmount() }
            let data = mountPoint + "/data", socket = directory + "/solventd.sock"
            var acknowledged: [String: UInt64] = [:]
            var refused: [String] = []
            let server = try await SolventServer.start(socketPath: socket, dataDirectory: data, nowMs: { testNowMs })
            do {
                // Fill: groups of 200 until one is refused, then single appends until even one is
                // (a group commit is one transaction, so a smaller one may still fit).
                var size = 200
                for batch in 0..<400 {
                    let keys = (0..<size).map { "fill-\(batch)-\($0)" }
                    let replies = try await exchange(socket, keys.map { appendRequest(key: $0, event: deposit("acct-\($0)", "1", ref: "ref-\($0)")) })
                    var full = false
                    for (key, reply) in zip(keys, replies) {
                        if let seq = number(reply["seq"]), reply["ok"] == .bool(true) { acknowledged[key] = seq } else {
                            #expect(errorCode(reply) == "storage_full", "\(JSONWriter.string(reply))")
                            refused.append(key)
                            full = true
                        }
                    }
                    if full && size == 1 { break }
                    if full { size = 1 }
                }
                try #require(size == 1 && !refused.isEmpty, "the filesystem never filled")
                #expect(acknowledged.count > 100)
                // Full, and reads are served.
                let reads = try await exchange(socket, [#"{"op":"status"}"#, #"{"op":"account","account":"acct-fill-0-0"}"#])
                #expect(number(reads[0]["seq"]) == acknowledged.values.max())
                #expect(reads[1]["ok"] == .bool(true), "\(JSONWriter.string(reads[1]))")
                // Space returns while the server runs: writes go on without a restart.
                try filesystem.resize(sizeKiB: 8 * 1024)
                let after = (0..<50).map { "after-\($0)" }
                let replies = try await exchange(socket, after.map { appendRequest(key: $0, event: deposit("late", "1", ref: $0)) })
                for (key, reply) in zip(after, replies) {
                    #expect(reply["ok"] == .bool(true), "\(JSONWriter.string(reply))")
                    if let seq = number(reply["seq"]) { acknowledged[key] = seq }
                }
                try await server.shutdown()
            } catch {
                try? await server.shutdown()
                throw error
            }
            let journal = try Journal(directory: data)
            for (key, seq) in acknowledged { #expect(try journal.seq(forKey: key)?.rawValue == seq, "acknowledged \(key) lost") }
            for key in refused { #expect(try journal.seq(forKey: key) == nil, "refused \(key) was stored") }
            try expectLogVerifies(data, records: journal.log.lastSeq.rawValue)
        }
    }
}

/// A tmpfs of a chosen size mounted for one test (Linux mount(2)).
struct SmallFilesystem {
    let path: String

    init(at path: String, sizeKiB: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.mount(path, flags: 0, options: "size=\(sizeKiB)k") == 0 else {
            throw TestSetupFailure("mount tmpfs at \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
    }

    /// Grows (or shrinks) the mounted filesystem in place.
    func resize(sizeKiB: Int) throws {
        guard Self.mount(path, flags: UInt(MS_REMOUNT), options: "size=\(sizeKiB)k") == 0 else {
            throw TestSetupFailure("remount \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func mount(_ path: String, flags: UInt, options: String) -> Int32 {
        options.withCString { Glibc.mount("tmpfs", path, "tmpfs", flags, $0) }
    }

    func unmount() {
        _ = umount2(path, Int32(MNT_DETACH))
    }

    /// Whether this process may mount a tmpfs (tried once, on a scratch directory).
    static let canMount: Bool = {
        let probe = "/tmp/solvent-mount-probe-\(getpid())"
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard SmallFilesystem.mount(probe, flags: 0, options: "size=64k") == 0 else { return false }
        _ = umount2(probe, Int32(MNT_DETACH))
        return true
    }()
}

struct TestSetupFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
