import Foundation
import SolventCore
import SolventProtocol
import SolventServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `solvent tail | head`: when the reader of its output goes away, tail ends quietly with status
/// 0 at its next record, as a pipeline expects. It used to crash on the write's EPIPE.
@Suite struct TailPipeTests {
    @Test func tailEndsQuietlyWhenItsReaderCloses() async throws {
        let solvent = try productPath("solvent")
        try await withTemporaryDirectory { directory in
            let socket = directory + "/solventd.sock"
            let server = try await SolventServer.start(listener: .path(socket), dataDirectory: directory + "/data")
            do {
                try await Self.append(socket, key: "first")
                let process = Process()
                process.executableURL = URL(fileURLWithPath: solvent)
                process.arguments = ["tail", "--socket", socket, "--from", "1"]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle(forWritingAtPath: "/dev/null")
                try process.run()
                // The first record arrives, then the reader goes away.
                let first = await Self.firstLine(output.fileHandleForReading)
                #expect(String(decoding: first, as: UTF8.self).hasPrefix(#"{"seq":1,"#))
                try output.fileHandleForReading.close()
                // A record after that makes tail write into the closed pipe.
                try await Self.append(socket, key: "second")
                let deadline = ContinuousClock.now + .seconds(20)
                while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                #expect(process.terminationReason == .exit)
                #expect(process.terminationStatus == 0)
            } catch {
                try? await server.shutdown()
                throw error
            }
            try await server.shutdown()
        }
    }

    /// The pipe's bytes up to its first newline (or its end), read on a thread of its own: a
    /// blocking read here held one of the concurrency pool's threads (two on two cores), and a
    /// full test run hung once with the other one blocked too.
    private static func firstLine(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread {
                var first = Data()
                while !first.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    first.append(chunk)
                }
                continuation.resume(returning: first)
            }.start()
        }
    }

    private static func append(_ socket: String, key: String) async throws {
        let request = #"{"op":"append","key":"\#(key)","event":{"kind":"deposit","account":"alice","amount":"1","ref":"\#(key)"}}"#
        let replies = try await LineClient.withConnection(socketPath: socket) { try await $0.exchange([request]) }
        #expect(replies.first?.contains(#""ok":true"#) == true, "\(replies)")
    }
}
