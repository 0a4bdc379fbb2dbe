import SolventDaemon
import SolventServer
import Testing

@Suite struct ConfigTests {
    private func parse(_ text: String) throws(ConfigError) -> DaemonConfig {
        try DaemonConfig().overlaid(withJSON: Array(text.utf8), file: "solventd.json")
    }

    @Test func defaultsAreDocumented() {
        let config = DaemonConfig()
        #expect(config.data == "./solvent-data")
        #expect(config.socketPath == "./solvent-data/solventd.sock")
        #expect(config.metrics == nil)
        #expect(config.clockIntervalMs == 1_000)
        #expect(config.snapshotEvery == nil)
        #expect(config.logLevel == .info)
        #expect(config.roles.isEmpty)
        #expect(config.maxConnections == 4_096)
        #expect(config.subscriberBacklogRecords == 65_536)
        #expect(config.stalledWriteSeconds == 30)
        #expect(config.commitDelayUs == 1_000)
    }

    @Test func theCommitDelayIsReadAndBounded() throws {
        #expect(try parse(#"{"commitDelayUs": 0}"#).commitDelayUs == 0)  // 0: never wait
        #expect(try parse(#"{"commitDelayUs": 250}"#).commitDelayUs == 250)
        #expect(throws: ConfigError(file: "solventd.json", line: 1, key: "commitDelayUs", reason: "must be at most 10000")) {
            try parse(#"{"commitDelayUs": 10001}"#)
        }
    }

    @Test func connectionLimitsAreReadAndZeroLimitsRefused() throws {
        let config = try parse(#"{"maxConnections": 10, "subscriberBacklogRecords": 5, "stalledWriteSeconds": 0}"#)
        #expect(config.maxConnections == 10)
        #expect(config.subscriberBacklogRecords == 5)
        #expect(config.stalledWriteSeconds == 0)  // 0: never cut a stalled connection
        #expect(throws: ConfigError(file: "solventd.json", line: 1, key: "maxConnections", reason: "must be at least 1")) {
            try parse(#"{"maxConnections": 0}"#)
        }
        #expect(throws: ConfigError(file: "solventd.json", line: 1, key: "subscriberBacklogRecords", reason: "must be at least 1")) {
            try parse(#"{"subscriberBacklogRecords": 0}"#)
        }
        #expect(throws: ConfigError(file: "solventd.json", line: 1, key: "stalledWriteSeconds", reason: "must be at most 86400")) {
            try parse(#"{"stalledWriteSeconds": 86401}"#)
        }
    }

    @Test func theFileSetsEveryKey() throws {
        let config = try parse("""
            {
              "data": "/var/lib/solvent",
              "socket": "/run/solvent/solventd.sock",
              "metrics": "127.0.0.1:9464",
              "clockIntervalMs": 250,
              "snapshotEvery": 5000,
              "logLevel": "debug",
              "roles": [
                {"name": "oracle", "uids": [1001, "0"], "kinds": ["oracle.price"]},
                {"name": "bots", "gids": [2000], "users": ["root"], "kinds": ["auction.*", "deposit"]}
              ]
            }
            """)
        #expect(config.data == "/var/lib/solvent")
        #expect(config.socketPath == "/run/solvent/solventd.sock")
        #expect(config.metrics == MetricsAddress("127.0.0.1:9464"))
        #expect(config.metrics?.port == 9464)
        #expect(config.clockIntervalMs == 250)
        #expect(config.snapshotEvery == 5000)
        #expect(config.logLevel == .debug)
        #expect(config.roles.map(\.name) == ["oracle", "bots"])
        #expect(config.roles[0].uids == [1001, 0])
        #expect(config.roles[1].uids == [0])  // root by name
        #expect(config.roles[1].gids == [2000])
        #expect(config.roles[1].kinds.map(\.text) == ["auction.*", "deposit"])
    }

    @Test func flagsOverrideTheFile() throws {
        let file = try parse(#"{"data": "/srv/a", "socket": "/srv/a.sock", "metrics": "0.0.0.0:1"}"#)
        let config = try file.overlaid(with: DaemonFlags(data: "/srv/b", metrics: "[::1]:9464"))
        #expect(config.data == "/srv/b")
        #expect(config.socketPath == "/srv/a.sock")  // not given on the command line: the file's
        #expect(config.metrics?.host == "::1")
        #expect(config.metrics?.port == 9464)
        #expect(try DaemonConfig().overlaid(with: DaemonFlags(data: "/d")).socketPath == "/d/solventd.sock")
    }

    @Test func anUnknownKeyIsNamedWithItsLine() {
        #expect(throws: ConfigError(file: "solventd.json", line: 3, key: "clockInterval",
                                    reason: "unknown key; the keys are data, socket, metrics, clockIntervalMs, snapshotEvery, logLevel, roles, maxConnections, subscriberBacklogRecords, stalledWriteSeconds, commitDelayUs")) {
            try parse("{\n  \"data\": \"/d\",\n  \"clockInterval\": 1000\n}")
        }
    }

    @Test(arguments: [
        (#"{"clockIntervalMs": "1s"}"#, "clockIntervalMs", "must be a whole number ≥ 0, not a string"),
        (#"{"snapshotEvery": 0}"#, "snapshotEvery", "must be at least 1"),
        (#"{"metrics": "9464"}"#, "metrics", "\"9464\" is not HOST:PORT"),
        (#"{"logLevel": "loud"}"#, "logLevel", "\"loud\" is not one of trace, debug, info, notice, warning, error, critical"),
        (#"{"roles": [{"uids": [1], "kinds": ["oracle.price*"]}]}"#, "roles[0].kinds",
         "\"oracle.price*\" is not a kind pattern (a kind, a prefix followed by .*, or *)"),
        (#"{"roles": [{"kinds": ["*"]}]}"#, "roles[0]", "a role needs uids, gids, users or groups"),
        (#"{"roles": [{"users": ["no-such-user-here"], "kinds": ["*"]}]}"#, "roles[0].users", "no user named \"no-such-user-here\""),
    ])
    func aBadValueIsNamed(text: String, key: String, reason: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.key == key)
            #expect(error.reason == reason)
            #expect(error.line == 1)
        }
    }

    @Test func malformedJSONGivesTheLine() {
        do {
            _ = try parse("{\n  \"data\": \"/d\",\n  \"socket\": \n}")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 4)
            #expect(error.key == nil)
            #expect(error.description.hasPrefix("solventd.json:4: "))
        }
    }

    @Test func aMissingFileIsAClearError() {
        #expect(throws: ConfigError.self) { try DaemonConfig.load(configFile: "/nonexistent/solventd.json", flags: DaemonFlags()) }
    }

    @Test func aBadMetricsFlagIsNamed() {
        #expect(throws: ConfigError(file: "command line", key: "--metrics", reason: "\"localhost\" is not HOST:PORT")) {
            try DaemonConfig().overlaid(with: DaemonFlags(metrics: "localhost"))
        }
    }
}
