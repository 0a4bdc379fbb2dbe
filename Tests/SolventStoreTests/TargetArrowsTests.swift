import Testing

/// The arrows between targets that must never exist (issue 23), read from Package.swift's
/// target graph (transitively) and the sources' `import` lines, and every imported module
/// declared, so that a target cannot lean on a module another dependency happens to bring along.
@Suite struct TargetArrowsTests {
    /// Modules of the toolchain and the platform, which no target declares.
    static let systemModules: Set<String> = [
        "Darwin", "Dispatch", "Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Musl",
        "Synchronization", "Testing", "XCTest",
    ]

    static func graph() throws -> PackageGraph { try PackageGraph.current.get() }

    static func isNIO(_ dependency: PackageGraph.Dependency) -> Bool {
        if case .product(let name, let package) = dependency {
            return name.hasPrefix("NIO") || (package?.hasPrefix("swift-nio") ?? false)
        }
        return false
    }

    static func isServer(_ dependency: PackageGraph.Dependency) -> Bool { dependency == .target("SolventServer") }

    /// SolventCore is pure: it depends on its C hints only and imports nothing else but the
    /// standard library's Synchronization (InternTable's lock) — no Foundation, no I/O.
    @Test func coreDependsOnItsCHintsOnly() throws {
        let graph = try Self.graph()
        let core = try #require(graph.targets["SolventCore"])
        for dependency in core.dependencies {
            #expect(dependency == .target("CSolventHints"), "forbidden arrow SolventCore → \(dependency)")
        }
        for (module, file) in try graph.imports(of: "SolventCore").sorted(by: { $0.key < $1.key })
        where !["CSolventHints", "Synchronization"].contains(module) {
            Issue.record("forbidden arrow SolventCore → \(module) (import in \(file))")
        }
    }

    @Test func storeReachesNeitherNIONorTheServer() throws {
        let chain = try Self.graph().forbiddenChain(from: "SolventStore") { Self.isNIO($0) || Self.isServer($0) }
        #expect(chain == nil, "forbidden arrow \(chain ?? "")")
    }

    @Test func auditReachesNotTheServer() throws {
        let chain = try Self.graph().forbiddenChain(from: "SolventAudit", Self.isServer)
        #expect(chain == nil, "forbidden arrow \(chain ?? "")")
    }

    /// The dashboard reads the log and follows the daemon as a client: it never links the
    /// server's write path, so it cannot append (issue 25).
    @Test func dashboardReachesNotTheServer() throws {
        let chain = try Self.graph().forbiddenChain(from: "SolventDashboard", Self.isServer)
        #expect(chain == nil, "forbidden arrow \(chain ?? "")")
    }

    @Test func simulationReachesNeitherNIONorTheServer() throws {
        let chain = try Self.graph().forbiddenChain(from: "SolventSim") { Self.isNIO($0) || Self.isServer($0) }
        #expect(chain == nil, "forbidden arrow \(chain ?? "")")
    }

    /// The wire protocol is what a client speaks: a feeder, a bot or the CLI links it without
    /// the log on LMDB or the server that answers it.
    @Test func protocolReachesNeitherTheStoreNorTheServer() throws {
        let chain = try Self.graph().forbiddenChain(from: "SolventProtocol") {
            $0 == .target("SolventStore") || Self.isServer($0)
        }
        #expect(chain == nil, "forbidden arrow \(chain ?? "")")
    }

    /// The bot's runner is a client of the public protocol, like any other bidder.
    @Test func botReachesNotTheServer() throws {
        let chain = try Self.graph().forbiddenChain(from: "SolventBot", Self.isServer)
        #expect(chain == nil, "forbidden arrow \(chain ?? "")")
    }

    /// The crash and overload drills and the benches start, load and kill daemons; they are for
    /// the CLI and the tests, and the executable that runs in production carries neither.
    @Test func daemonLinksNeitherTheDrillsNorTheBench() throws {
        let chain = try Self.graph().forbiddenChain(from: "solventd") {
            $0 == .target("SolventDrills") || $0 == .target("SolventBench")
        }
        #expect(chain == nil, "forbidden arrow \(chain ?? "")")
    }

    /// The CLI's commands read and write logs through the store; only the bench's raw-LMDB
    /// baseline speaks CLMDB directly, and it lives in SolventBench.
    @Test func cliSpeaksNotToLMDBDirectly() throws {
        let graph = try Self.graph()
        let cli = try #require(graph.targets["solvent"])
        #expect(!cli.dependencies.contains(.target("CLMDB")), "forbidden arrow solvent → CLMDB")
        for (module, file) in try graph.imports(of: "solvent") where module == "CLMDB" {
            Issue.record("forbidden arrow solvent → CLMDB (import in \(file))")
        }
    }

    /// The reports' charts draw numbers they are given: no engine, no store, nothing at all.
    @Test func chartsDependOnNothing() throws {
        let charts = try #require(try Self.graph().targets["SolventCharts"])
        #expect(charts.dependencies.isEmpty, "forbidden arrows SolventCharts → \(charts.dependencies)")
    }

    @Test func everyImportedModuleIsDeclared() throws {
        let graph = try Self.graph()
        for name in graph.targets.keys.sorted() {
            let declared = Set(graph.targets[name]!.dependencies.map(\.name))
            for (module, file) in try graph.imports(of: name).sorted(by: { $0.key < $1.key })
            where module != name && !declared.contains(module) && !Self.systemModules.contains(module) {
                Issue.record("\(name) imports \(module) (in \(file)) without declaring it in Package.swift")
            }
        }
    }

    /// The other way round, for the package's own modules: a declared arrow no source file
    /// imports is a dependency in name only, and the graph a newcomer reads would lie. (Test
    /// targets and C modules are left out: a test may link a module for its executables.)
    @Test func everyDeclaredArrowIsUsed() throws {
        let graph = try Self.graph()
        for name in graph.targets.keys.sorted() where graph.targets[name]!.path.hasPrefix("Sources/") {
            let imported = try graph.imports(of: name)
            guard !imported.isEmpty else { continue }  // a C target
            for dependency in graph.targets[name]!.dependencies where imported[dependency.name] == nil {
                if case .target(let target) = dependency, graph.targets[target]?.path.hasPrefix("Sources/C") == true { continue }
                Issue.record("\(name) declares \(dependency) but no file of it imports that module")
            }
        }
    }

    @Test func importLinesAreRead() {
        #expect(PackageGraph.importedModule("import SolventCore") == "SolventCore")
        #expect(PackageGraph.importedModule("@testable import SolventBot") == "SolventBot")
        #expect(PackageGraph.importedModule("public import struct NIOCore.ByteBuffer") == "NIOCore")
        #expect(PackageGraph.importedModule("    import Glibc") == "Glibc")
        #expect(PackageGraph.importedModule("// import SolventServer") == nil)
        #expect(PackageGraph.importedModule("let important = 1") == nil)
    }
}
