import Foundation
import SolventBench
import SolventProtocol
import SolventServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// "Acknowledged means synced" (docs/RELIABILITY.md): the crash drill's kill -9 keeps the page
/// cache, so it cannot tell an ack sent before the commit's fsync from one sent after it. Here
/// `solventd` runs under strace, and every `ok:true` reply to an append must be written to its
/// socket only after the transaction holding that append was durable: LMDB's data pages written,
/// the data file's `fdatasync` returned, and the meta page written through LMDB's `O_DSYNC`
/// descriptor. A second run with `SOLVENT_TEST_ACK_BEFORE_FSYNC=1` (replies sent before the
/// commit, TEST ONLY) shows that the same check fails when the order is wrong.
@Suite(.serialized) struct AckAfterFsyncTests {
    static let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// In CI a missing strace is a failure, not a skip (tools/test installs it: tools/ensure-strace).
    @Test func straceIsThereInCI() {
        if Self.inCI { #expect(Self.strace != nil, "strace is missing; tools/ensure-strace installs it") }
    }

    @Test(.enabled(if: strace != nil || inCI, "needs strace (tools/ensure-strace)"))
    func everyAckFollowsTheFsyncOfItsCommit() async throws {
        let result = try await Self.traceAppends(ackBeforeFsync: false)
        // The daemon inherits this process's environment: `SOLVENT_TEST_ACK_BEFORE_FSYNC=1 swift
        // test --filter everyAckFollows` runs this very check against the early ack, and fails.
        let inherited = ProcessInfo.processInfo.environment[TestOnlyAckBeforeFsync.environmentVariable] == "1"
        print("ack-after-fsync (\(inherited ? "SOLVENT_TEST_ACK_BEFORE_FSYNC=1 inherited" : "normal daemon")): \(result.summary)")
        #expect(result.checked == result.sent, "\(result.summary)")
        #expect(result.violations.isEmpty, "\(result.summary)\n\(result.violations.prefix(10).joined(separator: "\n"))")
        #expect(result.commits > 0)
    }

    /// The check can fail: with the test-only early ack, replies leave before the commit.
    @Test(.enabled(if: strace != nil || inCI, "needs strace (tools/ensure-strace)"))
    func theCheckFailsWhenRepliesLeaveBeforeTheFsync() async throws {
        let result = try await Self.traceAppends(ackBeforeFsync: true)
        print("ack-after-fsync (SOLVENT_TEST_ACK_BEFORE_FSYNC=1): \(result.summary)")
        for line in result.violations.prefix(3) { print("  \(line)") }
        #expect(result.checked == result.sent, "\(result.summary)")
        #expect(!result.violations.isEmpty, "the early-ack daemon passed the check: \(result.summary)")
    }

    /// Starts solventd under strace, sends appends (three clients one request at a time: small
    /// groups committed inline; one client pipelining 300: groups on the durable stage), stops
    /// it and checks the trace.
    static func traceAppends(ackBeforeFsync: Bool) async throws -> AckTrace.Result {
        let strace = try #require(Self.strace, "strace is missing; tools/ensure-strace installs it")
        let daemonPath = try solventdPath()
        return try await withTemporaryDirectory { directory in
            let socket = directory + "/solventd.sock"
            let trace = directory + "/strace.out"
            try Data(#"{"clockIntervalMs": 0}"#.utf8).write(to: URL(fileURLWithPath: directory + "/solventd.json"))
            let daemon = try DaemonProcess(
                executable: strace,
                arguments: ["-f", "-tt", "-yy", "-s", "1048576", "-o", trace,
                            "-e", "trace=openat,read,recvfrom,recvmsg,write,writev,sendmsg,sendto,pwrite64,pwritev,fdatasync,fsync,msync",
                            daemonPath, "--data", directory + "/data", "--socket", socket, "--config", directory + "/solventd.json"],
                socketPath: socket, logPath: directory + "/daemon.log",
                environment: ackBeforeFsync ? [TestOnlyAckBeforeFsync.environmentVariable: "1"] : [:])
            defer { daemon.signal(SIGKILL) }
            let serving = await daemon.waitUntilServing()
            let log = (try? String(contentsOfFile: directory + "/daemon.log", encoding: .utf8)) ?? ""
            try #require(serving, "solventd under strace did not serve: \(log)")
            if ackBeforeFsync { #expect(log.contains("TEST ONLY"), "no warning logged: \(log)") }

            var sent = 0
            try await withThrowingTaskGroup(of: Int.self) { group in
                for client in 0..<3 {
                    group.addTask {
                        try await LineClient.withConnection(socketPath: socket) { connection in
                            for index in 0..<40 {
                                let replies = try await connection.exchange([request(client: client, index: index)])
                                #expect(replies.count == 1 && replies[0].contains(#""ok":true"#), "\(replies)")
                            }
                        }
                        return 40
                    }
                }
                group.addTask {
                    let replies = try await LineClient.withConnection(socketPath: socket) { connection in
                        try await connection.exchange((0..<300).map { request(client: 3, index: $0) })
                    }
                    #expect(replies.count == 300 && replies.allSatisfy { $0.contains(#""ok":true"#) })
                    return 300
                }
                for try await count in group { sent += count }
            }
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit() == 0)
            let text = try Data(contentsOf: URL(fileURLWithPath: trace))
            if let keep = ProcessInfo.processInfo.environment["SOLVENT_KEEP_TRACE"] {
                try? FileManager.default.removeItem(atPath: keep + (ackBeforeFsync ? ".early" : ".normal"))
                try FileManager.default.copyItem(atPath: trace, toPath: keep + (ackBeforeFsync ? ".early" : ".normal"))
            }
            var result = AckTrace.check(Array(text), keyPrefix: "ack-")
            result.sent = sent
            return result
        }
    }

    /// Keys of one width ("ack-C-IIII"), so none is a prefix of another in the page bytes.
    static func request(client: Int, index: Int) -> String {
        let key = "ack-\(client)-" + String(repeating: "0", count: 4 - String(index).count) + String(index)
        return appendRequest(key: key, event: #"{"kind":"deposit","account":"acct\#(client)","amount":"1","ref":"r\#(client).\#(index)"}"#)
    }
}

/// The check over an strace output (`-f -tt -yy -s <large> -o FILE`), by line order: strace
/// writes a syscall's entry (with the data of a write) when the thread enters it and its result
/// (with the data of a read) when it returns, and a traced thread does neither until strace has
/// written the line — so a reply's write entered after a sync's result line left after that
/// sync returned.
///
/// - The data file is every descriptor decoded as `…/data.mdb`; the one LMDB opened with
///   `O_DSYNC` (its meta page descriptor) is told apart from the `openat` line.
/// - A commit is the page writes to the data file since the previous sync, the sync
///   (`fdatasync`, `fsync` or `msync`) on it, and the `O_DSYNC` meta-page write that follows;
///   it is durable when the last of these returned.
/// - The commit holding a key is the first whose page writes contain the key's bytes (the
///   request-key index stores them) after the socket read that brought the request.
/// - Every `{"key":K,"ok":true` on a `UNIX-STREAM` socket must be written after that commit was
///   durable; a reply whose commit was not found counts as a violation too.
enum AckTrace {
    struct Result {
        var sent = 0
        var checked = 0
        var commits = 0
        var violations: [String] = []
        var summary: String {
            "\(checked) of \(sent) append acks checked against \(commits) commits; \(violations.count) before their commit was durable"
        }
    }

    struct Call {
        var pid: Substring
        var name: Substring
        var entry: Int
        var exit: Int
        var text: String  // entry part + resumed part
    }

    struct Commit {
        var keys: Set<String>
        var syncEntry: Int
        var durable: Int
    }

    static func calls(_ bytes: [UInt8]) -> [Call] {
        var calls: [Call] = []
        var open: [Substring: Int] = [:]
        var lineNumber = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            lineNumber += 1
            let line = String(decoding: rawLine, as: UTF8.self)
            // "PID HH:MM:SS.UUUUUU rest", the pid padded with spaces to a width
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)  // pids are padded
            guard parts.count == 3 else { continue }
            let pid = parts[0], rest = parts[2]
            if rest.hasPrefix("<... ") {
                guard let end = rest.range(of: " resumed>"), let index = open.removeValue(forKey: pid) else { continue }
                _ = end
                calls[index].exit = lineNumber
                calls[index].text += rest
                continue
            }
            guard let paren = rest.firstIndex(of: "("), !rest.hasPrefix("---"), !rest.hasPrefix("+++") else { continue }
            let name = rest[rest.startIndex..<paren]
            let unfinished = rest.hasSuffix("<unfinished ...>")
            calls.append(Call(pid: pid, name: name, entry: lineNumber, exit: unfinished ? Int.max : lineNumber, text: String(rest)))
            if unfinished { open[pid] = calls.count - 1 }
        }
        return calls
    }

    /// The descriptor argument of a call: "5</tmp/x/data.mdb>" of "write(5</tmp/x/data.mdb>, …".
    static func descriptor(_ call: Call) -> (number: Int, path: Substring)? {
        guard let paren = call.text.firstIndex(of: "(") else { return nil }
        // A socket's decoding holds "->" ("UNIX-STREAM:[1->2,"/path"]"): it ends at ">," or ">)",
        // or "> <unfinished ...>" of a call another thread's line interrupted.
        let args = Array(call.text[call.text.index(after: paren)...].prefix(1024))
        guard let open = args.firstIndex(of: "<"), let number = Int(String(args[0..<open])) else { return nil }
        var close = open + 1
        while close + 1 < args.count && !(args[close] == ">" && [",", ")", " "].contains(args[close + 1])) { close += 1 }
        guard close + 1 < args.count else { return nil }
        return (number, Substring(String(args[(open + 1)..<close])))
    }

    /// The data of a read, as strace escaped it: from the first quote after the descriptor to the
    /// last `", ` (the entry and resumed parts joined).
    static func literal(_ call: Call) -> String {
        // The socket's decoding quotes its path too: `17<UNIX-STREAM:[1->2,"/x.sock"]>, "data", 2048`.
        guard let start = call.text.range(of: #">, ""#) ?? call.text.range(of: #"resumed>""#),
              let end = call.text.range(of: #"", "#, options: .backwards), end.lowerBound >= start.upperBound else { return "" }
        return String(call.text[start.upperBound..<end.lowerBound])
    }

    /// Fixed-width keys `prefix` + "C-IIII" found in `text`.
    static func keys(in text: String, prefix: String) -> [String] {
        var found: [String] = []
        let bytes = Array(text.utf8), pattern = Array(prefix.utf8)
        var index = 0
        while index + pattern.count + 6 <= bytes.count {
            if bytes[index] == pattern[0] && Array(bytes[index..<index + pattern.count]) == pattern {
                let tail = bytes[(index + pattern.count)..<(index + pattern.count + 6)]
                let digits = tail.enumerated().allSatisfy { $0.offset == 1 ? $0.element == UInt8(ascii: "-") : (48...57).contains($0.element) }
                if digits {
                    found.append(String(decoding: bytes[index..<index + pattern.count + 6], as: UTF8.self))
                    index += pattern.count + 6
                    continue
                }
            }
            index += 1
        }
        return found
    }

    static func check(_ bytes: [UInt8], keyPrefix: String) -> Result {
        let calls = calls(bytes)
        // LMDB's meta-page descriptor: openat(…, "…/data.mdb", …O_DSYNC…) = N</…/data.mdb>.
        var dsync: Set<Int> = []
        for call in calls where call.name == "openat" && call.text.contains("data.mdb\"") && call.text.contains("O_DSYNC") {
            if let equals = call.text.range(of: ") = ", options: .backwards) {
                let ret = call.text[equals.upperBound...].prefix { $0.isNumber }
                if let fd = Int(ret) { dsync.insert(fd) }
            }
        }
        var commits: [Commit] = []
        var pages: [String] = []
        var firstRead: [String: Int] = [:]
        var replies: [(key: String, line: Int)] = []
        var readTails: [Substring: String] = [:]
        for call in calls {
            guard let fd = descriptor(call) else { continue }
            if fd.path.hasSuffix("/data.mdb") {
                switch call.name {
                case "fdatasync", "fsync", "msync":
                    commits.append(Commit(keys: Set(pages.flatMap { keys(in: $0, prefix: keyPrefix) }), syncEntry: call.entry, durable: call.exit))
                    pages = []
                case "pwrite64", "pwritev", "write", "writev":
                    if dsync.contains(fd.number), !commits.isEmpty, pages.isEmpty {
                        commits[commits.count - 1].durable = max(commits[commits.count - 1].durable, call.exit)
                    } else {
                        pages.append(call.text)
                    }
                default: break
                }
            } else if fd.path.hasPrefix("UNIX-STREAM:") {
                switch call.name {
                case "read", "recvfrom", "recvmsg":
                    // A pipelined stream is read in pieces, and a key may straddle two reads:
                    // scanned with the end of the connection's previous read before it.
                    let data = literal(call)
                    let carried = (readTails[fd.path] ?? "") + data
                    for key in keys(in: carried, prefix: keyPrefix) where firstRead[key] == nil { firstRead[key] = call.exit }
                    readTails[fd.path] = String(carried.suffix(keyPrefix.count + 6))
                case "write", "writev", "sendmsg", "sendto":
                    // {\"key\":\"ack-1-0007\",\"ok\":true — the quotes escaped by strace.
                    var rest = call.text[...]
                    let marker = #"{\"key\":\""#
                    while let start = rest.range(of: marker) {
                        rest = rest[start.upperBound...]
                        let key = String(rest.prefix(keyPrefix.utf8.count + 6))
                        if key.hasPrefix(keyPrefix), rest.dropFirst(key.count).hasPrefix(#"\",\"ok\":true"#) {
                            replies.append((key, call.entry))
                        }
                    }
                default: break
                }
            }
        }
        var result = Result()
        result.commits = commits.count
        for reply in replies {
            result.checked += 1
            guard let read = firstRead[reply.key] else {
                result.violations.append("\(reply.key): replied at line \(reply.line) but its request was never read")
                continue
            }
            guard let commit = commits.first(where: { $0.syncEntry > read && $0.keys.contains(reply.key) }) else {
                result.violations.append("\(reply.key): read at line \(read), replied at line \(reply.line), no commit after the read wrote it")
                continue
            }
            if commit.durable >= reply.line {
                result.violations.append(
                    "\(reply.key): read at line \(read), reply written at line \(reply.line), its commit's sync entered at line \(commit.syncEntry) and was durable at line \(commit.durable)")
            }
        }
        return result
    }
}
