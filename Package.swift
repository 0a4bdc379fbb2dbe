// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Solvent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "solvent", targets: ["solvent"]),
        .executable(name: "solventd", targets: ["solventd"]),
        .library(name: "SolventCore", targets: ["SolventCore"]),
        .library(name: "SolventStore", targets: ["SolventStore"]),
        .library(name: "SolventProtocol", targets: ["SolventProtocol"]),
        .library(name: "SolventServer", targets: ["SolventServer"]),
        .library(name: "SolventDaemon", targets: ["SolventDaemon"]),
        .library(name: "SolventAudit", targets: ["SolventAudit"]),
        .library(name: "SolventSim", targets: ["SolventSim"]),
        .library(name: "SolventBotPolicy", targets: ["SolventBotPolicy"]),
        .library(name: "SolventBot", targets: ["SolventBot"]),
        .library(name: "SolventBench", targets: ["SolventBench"]),
        .library(name: "SolventCharts", targets: ["SolventCharts"]),
        .library(name: "SolventDashboard", targets: ["SolventDashboard"]),
        .library(name: "SolventReplication", targets: ["SolventReplication"]),
        .library(name: "SolventCluster", targets: ["SolventCluster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // LMDB from Debian's liblmdb-dev, found through pkg-config.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // Cache prefetch hints for the core's replay (header-only; changes no result).
        .target(name: "CSolventHints"),
        // Pure and deterministic: no I/O, clock, randomness or Foundation.
        .target(name: "SolventCore", dependencies: ["CSolventHints"]),
        .target(
            name: "SolventStore",
            dependencies: [
                "CLMDB",
                "SolventCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The wire protocol of SPEC §8 (requests, replies, binary frames) and its line and frame
        // clients. No store: a client, a bot or a feeder speaks it without linking LMDB.
        .target(
            name: "SolventProtocol",
            dependencies: [
                "SolventCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ]
        ),
        // The Unix-socket server of SPEC §8: connections, group commit, per-connection order.
        .target(
            name: "SolventServer",
            dependencies: [
                "SolventCore",
                "SolventProtocol",
                "SolventStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The replication link (issue 26, docs/REPLICATION.md): a leader streams its stored records
        // to standbys over TCP after a pre-shared-key handshake both ways; a standby checks and
        // re-derives them into its own log (SolventStore's StandbyLog).
        .target(
            name: "SolventReplication",
            dependencies: [
                "SolventCore",
                "SolventStore",
                "SolventServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Leadership through etcd (issue 26): an etcd v3 client over etcd's JSON gateway (leases,
        // keys, the create-if-absent and delete-if-mine transactions), the cluster's keys and
        // election rule, and a child-process etcd for the tests and the cluster drill.
        .target(
            name: "SolventCluster",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The daemon around the server (SPEC §1 solventd/): configuration, roles, sd_notify,
        // socket activation, the clock, metrics. `solventd` is its thin main.
        .target(
            name: "SolventDaemon",
            dependencies: [
                "SolventCluster",
                "SolventProtocol",
                "SolventStore",
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "SolventCore",
                "SolventServer",
                "SolventReplication",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // What measures and loads `solventd` (SPEC §10): the bench suites with their same-run
        // baselines (raw LMDB through CLMDB), the workloads, the load clients and a `solventd`
        // child process. Used by the CLI, the drills and the tests; never linked into `solventd`.
        .target(
            name: "SolventBench",
            dependencies: [
                "CLMDB",
                "SolventCore",
                "SolventStore",
                "SolventProtocol",
                "SolventServer",
                "SolventDaemon",
                "SolventSim",
                "SolventRandom",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The crash and overload drills (tools/crash-test, bench overload): they start, load and
        // kill `solventd` processes with the bench's load clients. Used by the CLI and the tests,
        // never linked into `solventd`.
        .target(
            name: "SolventDrills",
            dependencies: [
                "SolventCluster",
                "SolventCore",
                "SolventStore",
                "SolventProtocol",
                "SolventBench",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "solventd",
            dependencies: [
                "SolventDaemon",
                "SolventStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The auditor's tools of SPEC §9: liquidation replay and explanation, what-if, reports
        // (JSON, HTML with SVG charts), state proofs. Reads logs read-only.
        .target(name: "SolventAudit", dependencies: ["SolventCore", "SolventStore", "SolventCharts"]),
        // The read-only risk dashboard (issue 25, docs/DASHBOARD.md): a Hummingbird 2 server of
        // pages and a JSON API over the log, followed live through the daemon's `subscribe`.
        // It never appends; it links no write path.
        .target(
            name: "SolventDashboard",
            dependencies: [
                "SolventCore",
                "SolventStore",
                "SolventProtocol",
                "SolventAudit",
                "SolventCharts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The inline SVG charts (no script, no network) of the audit's and the simulation's
        // HTML reports: one line chart, one bar chart, HTML escaping. Depends on nothing.
        .target(name: "SolventCharts"),
        // The seeded generator shared by the simulation, the benches and the test histories.
        .target(name: "SolventRandom"),
        // The reference bidding bot's pure policy (issue 9, docs/BOTS.md): what to bid from the
        // records it reads. Core only, so the simulator's bots share it without linking NIO.
        .target(name: "SolventBotPolicy", dependencies: ["SolventCore"]),
        // The reference bidding bot's runner: the policy driven by an I/O loop on the public protocol.
        .target(
            name: "SolventBot",
            dependencies: [
                "SolventCore",
                "SolventBotPolicy",
                "SolventProtocol",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Cascade simulation on real price paths (issue 8): seeded population, bidding bots and a
        // price-impact model driving the real write path. Outside the pure core.
        .target(
            name: "SolventSim",
            dependencies: ["SolventCore", "SolventStore", "SolventRandom", "SolventBotPolicy", "SolventCharts"]
        ),
        .executableTarget(
            name: "solvent",
            dependencies: [
                "SolventCore",
                "SolventStore",
                "SolventProtocol",
                "SolventBench",
                "SolventDrills",
                "SolventAudit",
                "SolventSim",
                "SolventBotPolicy",
                "SolventBot",
                "SolventDashboard",
                "SolventReplication",
                "SolventCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Builders, the ledger driver and the seeded history generators, shared by test targets.
        .target(name: "SolventTestSupport", dependencies: ["SolventCore", "SolventRandom"], path: "Tests/SolventTestSupport"),
        .testTarget(
            name: "SolventCoreTests",
            dependencies: [
                "SolventCore",
                "SolventTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SolventStoreTests",
            dependencies: ["SolventStore", "SolventCore", "SolventTestSupport", "CLMDB"]
        ),
        .testTarget(
            name: "SolventAuditTests",
            dependencies: [
                "SolventAudit", "SolventStore", "SolventCore", "SolventTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SolventSimTests",
            dependencies: ["SolventSim", "SolventAudit", "SolventCharts", "SolventStore", "SolventCore"]
        ),
        .testTarget(
            name: "SolventBotTests",
            dependencies: [
                "SolventBot", "SolventBotPolicy", "SolventProtocol", "SolventServer", "SolventStore", "SolventCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SolventServerTests",
            dependencies: [
                "SolventServer", "SolventProtocol", "SolventBench", "SolventStore", "SolventCore", "SolventRandom",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SolventDaemonTests",
            dependencies: [
                "SolventDaemon", "SolventDrills", "SolventBench", "SolventProtocol", "SolventServer", "SolventStore", "SolventCore",
                "SolventCluster",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "SolventReplicationTests",
            dependencies: [
                "SolventReplication", "SolventBench", "SolventProtocol", "SolventStore", "SolventCore", "SolventRandom",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SolventDashboardTests",
            dependencies: [
                "SolventDashboard", "SolventBench", "SolventProtocol", "SolventStore", "SolventCore", "SolventTestSupport",
                "SolventRandom",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SolventClusterTests", dependencies: ["SolventCluster"]),
    ],
    swiftLanguageModes: [.v6]
)
