import Foundation

/// The package's targets and their declared dependencies, as `swift package dump-package` reports
/// them, with each target's `import`s read from its Swift sources: what the arrow checks walk.
struct PackageGraph {
    enum Dependency: Hashable, CustomStringConvertible {
        case target(String)
        case product(name: String, package: String?)

        var name: String {
            switch self {
            case .target(let name), .product(let name, _): name
            }
        }

        var description: String {
            switch self {
            case .target(let name): name
            case .product(let name, let package?): "\(name) (\(package))"
            case .product(let name, nil): name
            }
        }
    }

    struct Target {
        var name: String
        /// Relative to the package's root: `Sources/SolventCore`.
        var path: String
        var dependencies: [Dependency]
    }

    enum LoadError: Error, CustomStringConvertible {
        case dumpFailed(status: Int32, stderr: String)
        case unexpectedShape(String)

        var description: String {
            switch self {
            case .dumpFailed(let status, let stderr): "swift package dump-package exited \(status): \(stderr)"
            case .unexpectedShape(let what): "dump-package JSON: \(what)"
            }
        }
    }

    var root: String
    var targets: [String: Target]

    /// The graph of the package at `root`, loaded once per test run.
    static let current = Result { try PackageGraph.load(root: repositoryRootPath) }

    static func load(root: String) throws -> PackageGraph {
        let json = try JSONSerialization.jsonObject(with: try dumpPackage(root: root))
        guard let object = json as? [String: Any], let list = object["targets"] as? [[String: Any]] else {
            throw LoadError.unexpectedShape("no targets array")
        }
        let names = Set(list.compactMap { $0["name"] as? String })
        var targets: [String: Target] = [:]
        for entry in list {
            let target = try parseTarget(entry, targetNames: names)
            targets[target.name] = target
        }
        return PackageGraph(root: root, targets: targets)
    }

    /// Runs the toolchain's `dump-package` with its own scratch directory, so it neither waits
    /// for nor disturbs the lock of the `swift test` that is running this.
    private static func dumpPackage(root: String) throws -> Data {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dump-package-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "package", "--package-path", root, "--scratch-path", scratch.path, "dump-package"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LoadError.dumpFailed(status: process.terminationStatus, stderr: String(decoding: errors, as: UTF8.self))
        }
        return data
    }

    private static func parseTarget(_ entry: [String: Any], targetNames: Set<String>) throws -> Target {
        guard let name = entry["name"] as? String, let type = entry["type"] as? String,
              let dependencies = entry["dependencies"] as? [[String: Any]] else {
            throw LoadError.unexpectedShape("a target without name, type or dependencies")
        }
        let path = entry["path"] as? String ?? (type == "test" ? "Tests/\(name)" : "Sources/\(name)")
        return Target(name: name, path: path,
                      dependencies: try dependencies.map { try parseDependency($0, targetNames: targetNames) })
    }

    /// `{"byName": [name, condition]}`, `{"target": [name, condition]}` or
    /// `{"product": [name, package, moduleAliases, condition]}`.
    private static func parseDependency(_ entry: [String: Any], targetNames: Set<String>) throws -> Dependency {
        guard let (kind, value) = entry.first, let fields = value as? [Any], let name = fields.first as? String else {
            throw LoadError.unexpectedShape("a dependency \(entry)")
        }
        switch kind {
        case "target": return .target(name)
        case "byName": return targetNames.contains(name) ? .target(name) : .product(name: name, package: nil)
        case "product": return .product(name: name, package: fields.dropFirst().first as? String)
        default: throw LoadError.unexpectedShape("a dependency of kind \(kind)")
        }
    }

    /// The first chain of declared dependencies from `start` to a dependency that `forbidden`
    /// matches, as `A → B → C`, or nil if there is none (breadth first, so the shortest).
    func forbiddenChain(from start: String, _ forbidden: (Dependency) -> Bool) -> String? {
        var queue: [[Dependency]] = [[.target(start)]]
        var seen: Set<Dependency> = [.target(start)]
        while !queue.isEmpty {
            let chain = queue.removeFirst()
            guard case .target(let name) = chain.last!, let target = targets[name] else { continue }
            for dependency in target.dependencies where seen.insert(dependency).inserted {
                let longer = chain + [dependency]
                if forbidden(dependency) { return longer.map(\.description).joined(separator: " → ") }
                queue.append(longer)
            }
        }
        return nil
    }

    /// The modules `target`'s Swift sources import, each with the first file (relative to the
    /// package's root) that imports it.
    func imports(of target: String) throws -> [String: String] {
        guard let path = targets[target]?.path else { return [:] }
        let directory = root + "/" + path
        var found: [String: String] = [:]
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        for file in files.sorted() where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                if let module = Self.importedModule(line), found[module] == nil { found[module] = path + "/" + file }
            }
        }
        return found
    }

    /// The module of an `import` line (`import X`, `@testable import X`, `public import X`,
    /// `import struct X.Y`), or nil for any other line.
    static func importedModule(_ line: Substring) -> String? {
        let modifiers: Set<Substring> = ["public", "package", "internal", "fileprivate", "private"]
        let kinds: Set<Substring> = ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"]
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        while let word = words.first, word.hasPrefix("@") || modifiers.contains(word) { words.removeFirst() }
        guard words.popFirst() == "import", var module = words.popFirst() else { return nil }
        if kinds.contains(module), let next = words.popFirst() { module = next }
        return module.split(separator: ".").first.map(String.init)
    }
}

/// The repository's root (Package.swift, Sources/, Tests/).
let repositoryRootPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
