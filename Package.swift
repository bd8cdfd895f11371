// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "accessreview",
    // Built and tested on Linux (Debian 12, x86_64, Swift 6.3: `make test` in CI), which
    // needs no entry here. The Apple minimum is what `Synchronization.Mutex` requires; the
    // tool is not tested on macOS.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "accessreview", targets: ["accessreview"]),
        .library(name: "AccessReviewCore", targets: ["AccessReviewCore"]),
        .library(name: "AccessReviewApp", targets: ["AccessReviewApp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(name: "CLDAP", pkgConfig: "ldap", providers: [.apt(["libldap-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibZ", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Every C library, pointer, lock and process-wide setting; Swift types only in its API.
        .target(
            name: "AccessReviewPlatform",
            dependencies: [
                "CLDAP", "CLibXML2", "CSQLite", "CLibZ", "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                // For libyaml's scanner (CYaml, built with Yams): anchors are refused before composing.
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The stages: directory, exports, rules, reconcile, attestation, evidence.
        .target(
            name: "AccessReviewCore",
            dependencies: [
                "AccessReviewPlatform",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // One function per command, composing the stages.
        .target(name: "AccessReviewApp", dependencies: ["AccessReviewCore"]),
        // Options and messages only.
        .executableTarget(
            name: "accessreview",
            dependencies: [
                "AccessReviewApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer targets for the readers of untrusted input (`make fuzz`).
        .executableTarget(name: "accessreview-fuzz", dependencies: ["AccessReviewCore"]),
        .target(name: "TestSupport", dependencies: ["AccessReviewCore"], path: "Tests/TestSupport"),
        .testTarget(name: "DirectoryTests", dependencies: ["AccessReviewCore", "AccessReviewApp", "TestSupport"]),
        .testTarget(name: "ExportsTests", dependencies: ["AccessReviewCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RulesTests", dependencies: ["AccessReviewCore", "TestSupport"]),
        .testTarget(name: "ReconcileTests", dependencies: ["AccessReviewCore", "AccessReviewApp", "TestSupport"]),
        .testTarget(name: "AttestationTests", dependencies: ["AccessReviewCore", "AccessReviewApp", "TestSupport", .product(name: "Crypto", package: "swift-crypto"), .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(
            name: "NotifyTests",
            dependencies: ["AccessReviewCore", "AccessReviewApp", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "EvidenceTests", dependencies: ["AccessReviewCore", "AccessReviewApp", "TestSupport", .product(name: "Crypto", package: "swift-crypto")], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
