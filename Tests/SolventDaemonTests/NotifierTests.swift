import Foundation
import SolventDaemon
import Testing

@Suite struct NotifierTests {
    @Test(arguments: ["path", "abstract"])
    func messagesArriveAsOneDatagramEach(kind: String) async throws {
        try await withTemporaryDirectory { directory in
            let path = kind == "path" ? directory + "/notify" : "@solvent-test-\(UUID().uuidString.prefix(8))"
            let socket = try NotifySocket(path: path)
            let notifier = Notifier(environment: ["NOTIFY_SOCKET": path])
            notifier.ready(status: "ready; seq=3 clients=0")
            notifier.watchdog()
            notifier.stopping(status: "bye")
            #expect(socket.receive() == "READY=1\nSTATUS=ready; seq=3 clients=0")
            #expect(socket.receive() == "WATCHDOG=1")
            #expect(socket.receive() == "STOPPING=1\nSTATUS=bye")
        }
    }

    @Test func withoutNotifySocketNothingIsSent() {
        let notifier = Notifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(!notifier.send("READY=1"))
    }

    @Test func theWatchdogIntervalIsOursOnlyForOurPid() {
        #expect(watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"], pid: 42) == .seconds(30))
        #expect(watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"], pid: 42) == .seconds(30))
        #expect(watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "41"], pid: 42) == nil)
        #expect(watchdogInterval(environment: [:], pid: 42) == nil)
    }

    @Test func socketActivationIgnoresAnotherProcesssSockets() throws {
        #expect(try SocketActivation.listeningDescriptor(environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"], pid: 42) == nil)
        #expect(try SocketActivation.listeningDescriptor(environment: [:], pid: 42) == nil)
        #expect(throws: ActivationError.self) {
            try SocketActivation.listeningDescriptor(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "2"], pid: 42)
        }
    }
}
