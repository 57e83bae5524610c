// swift-tools-version:6.0
// KneeFlow: distributed knee-MRI preprocessing and ACL classification over one PostgreSQL job
// database. One target per concern; dependencies point downward only (see README.md).
import PackageDescription

let package = Package(
    name: "KneeFlow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kneeflow", targets: ["kneeflow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries (Debian: libpq-dev, libopenblas-dev, zlib1g-dev).
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // Bottom layer: hashing, atomic files, small shared helpers. Imports nothing of ours.
        .target(name: "CSHA256"),  // SHA-256 blocks on the x86 SHA extensions, for Common
        .target(name: "Common", dependencies: ["CSHA256"]),
        // The code version (git commit and dirty flag at build time), for the executable.
        .target(name: "BuildInfo", plugins: ["VersionStamp"]),
        .plugin(name: "VersionStamp", capability: .buildTool(), path: "Sources/VersionStamp"),

        // Database side (never imports numerics).
        .target(name: "Postgres", dependencies: [
            "CLibPQ", "Common", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Queue", dependencies: [
            "Postgres", "Common", .product(name: "Logging", package: "swift-log"),
        ], exclude: ["sql/README.md"], resources: [.embedInCode("sql")]),  // migrations: the files are the source
        // (Sources/Queue/sql is a link to the top-level sql/ folder, where the SQL lives)

        // Numerics side (never imports database code).
        .target(name: "CImagingKernels"),  // wide-SIMD hot loops (target_clones), for Imaging only
        // DICOM through DCMTK (Debian libdcmtk-dev): a C API over its C++ so Swift needs no C++
        // interop. Linked by name (dcmtk.pc on Debian 12 requires sndfile.pc, which is absent).
        .target(name: "CDicom", linkerSettings: [
            .linkedLibrary("dcmjpls"), .linkedLibrary("dcmjpeg"), .linkedLibrary("dcmimgle"),
            .linkedLibrary("dcmdata"), .linkedLibrary("oflog"), .linkedLibrary("ofstd"), .linkedLibrary("stdc++"),
        ]),
        .target(name: "Imaging", dependencies: ["CBLAS", "CZlib", "CImagingKernels", "CDicom", "Common"]),
        .target(name: "Classifier", dependencies: ["CBLAS", "Imaging", "Common"]),
        .target(name: "Evaluation", dependencies: ["Common"]),
        .target(name: "Phantom", dependencies: ["Imaging", "Common"]),

        // Joins the two sides: run configuration, the per-volume chain, artifacts, handlers.
        .target(name: "Pipeline", dependencies: ["Imaging", "Classifier", "Evaluation", "Queue", "Common"]),

        // Test-only job handlers, linked by the executable but selectable only when the
        // environment sets KNEEFLOW_TEST_HANDLERS=1 (the test suite does).
        .target(name: "TestHandlers", dependencies: ["Queue"]),

        // The executable: argument parsing and wiring only.
        .executableTarget(name: "kneeflow", dependencies: [
            "Pipeline", "Queue", "Postgres", "Imaging", "Classifier", "Evaluation", "Phantom", "Common", "BuildInfo", "TestHandlers",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test support: throwaway PostgreSQL server, fixtures, approximate equality.
        .target(name: "TestSupport", dependencies: ["Postgres", "Common"], path: "Sources/TestSupport"),

        // Unit tests: no database server, no binary (`make test-unit`).
        .testTarget(name: "BuildInfoTests", dependencies: ["BuildInfo"]),
        .testTarget(name: "CommonTests", dependencies: ["Common", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        .testTarget(name: "QueueTests", dependencies: ["Queue", "TestHandlers"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Common", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ClassifierTests", dependencies: ["Classifier", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Common", "TestSupport"]),
        .testTarget(name: "PhantomTests", dependencies: ["Phantom", "Imaging", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Queue", "Phantom", "TestSupport"]),

        // Integration tests: a throwaway PostgreSQL server (TestSupport), the built binary.
        .testTarget(name: "PostgresIntegrationTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "QueueIntegrationTests", dependencies: [
            "Queue", "Postgres", "Common", "TestHandlers", "TestSupport",
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "TestSupport", "Common", "Pipeline", "Queue", "Postgres", "Evaluation", "Imaging", "BuildInfo", "Classifier",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
