// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Solvent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "solvent", targets: ["solvent"]),
        .library(name: "SolventCore", targets: ["SolventCore"]),
        .library(name: "SolventStore", targets: ["SolventStore"]),
        .library(name: "SolventServer", targets: ["SolventServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        // LMDB from Debian's liblmdb-dev, found through pkg-config.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // Pure and deterministic: no I/O, clock, randomness or Foundation.
        .target(name: "SolventCore"),
        .target(
            name: "SolventStore",
            dependencies: [
                "CLMDB",
                "SolventCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The Unix-socket server of SPEC §8: NDJSON protocol, group commit, per-connection order.
        .target(
            name: "SolventServer",
            dependencies: [
                "SolventCore",
                "SolventStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "solvent",
            dependencies: [
                "CLMDB",
                "SolventCore",
                "SolventStore",
                "SolventServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SolventCoreTests",
            dependencies: [
                "SolventCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SolventStoreTests",
            dependencies: ["SolventStore", "SolventCore", "CLMDB"]
        ),
        .testTarget(
            name: "SolventServerTests",
            dependencies: [
                "SolventServer", "SolventStore", "SolventCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
