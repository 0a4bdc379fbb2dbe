import Foundation
import SolventServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Roles by a peer's supplementary group: a real client process started under `setpriv` with a
/// group that is not its primary one. Changing groups needs root (CAP_SETGID) and util-linux's
/// setpriv (tools/test installs it); elsewhere the test is skipped (the parsing and matching are
/// tested in AccessTests), except under CI=true, where it fails.
@Suite struct PeerGroupsTests {
    static let canSetGroups = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    @Test(.enabled(if: runsHere(needing: canSetGroups), "needs root and /usr/bin/setpriv"))
    func aSupplementaryGroupGrantsItsRole() async throws {
        try #require(Self.canSetGroups, "needs root and /usr/bin/setpriv (util-linux); under CI=true that fails the test")
        let solvent = URL(fileURLWithPath: try solventdPath()).deletingLastPathComponent().appendingPathComponent("solvent").path
        let group: UInt32 = 4242
        try #require(getgid() != group)
        try await withTemporaryDirectory { directory in
            let socket = directory + "/solventd.sock"
            let roles = Roles([Roles.Role(name: "bots", gids: [group], kinds: [KindPattern("*")!])])
            let server = try await SolventServer.start(listener: .path(socket), dataDirectory: directory + "/data",
                                                       options: ServerOptions(roles: roles))
            do {
                try check(solvent: solvent, socket: socket, directory: directory, group: group)
            } catch {
                try? await server.shutdown()
                throw error
            }
            try await server.shutdown()
        }
    }

    private func check(solvent: String, socket: String, directory: String, group: UInt32) throws {
        let events = directory + "/events.ndjson"
        try Data((#"{"kind":"deposit","account":"alice","amount":"5","ref":"g"}"# + "\n").utf8)
            .write(to: URL(fileURLWithPath: events))
        let member = try run("/usr/bin/setpriv", ["--groups", "\(group)", "--", solvent, "send", "--socket", socket,
                                                 "--key-prefix", "member", events])
        #expect(member.status == 0, "\(member.output)")
        #expect(member.output.contains(#""ok":true"#), "\(member.output)")
        let outsider = try run("/usr/bin/setpriv", ["--clear-groups", "--", solvent, "send", "--socket", socket,
                                                   "--key-prefix", "outsider", events])
        #expect(outsider.status == 1)
        #expect(outsider.output.contains("forbidden"), "\(outsider.output)")
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
