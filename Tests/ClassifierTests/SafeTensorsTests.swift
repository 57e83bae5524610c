import XCTest
@testable import Classifier

final class SafeTensorsTests: XCTestCase {
    func fixtureBytes() throws -> [UInt8] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/tiny", withExtension: "safetensors"))
        return [UInt8](try Data(contentsOf: url))
    }

    let fixtureTensors: [String: SafeTensors.Entry] = [
        "a": .init(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]),
        "b": .init(shape: [4], values: [1.5, -2, 0, 3.25]),
        "c.weight": .init(shape: [1, 1, 1], values: [0.5]),
    ]
    let fixtureMetadata = ["made_by": "make_fixture.py", "note": "quote \" and backslash \\"]

    /// The committed file was written by Python's `safetensors.numpy.save_file` (make_fixture.py).
    func testReadsFileWrittenByPython() throws {
        let (tensors, metadata) = try SafeTensors.decode(try fixtureBytes())
        XCTAssertEqual(tensors, fixtureTensors)
        XCTAssertEqual(metadata, fixtureMetadata)
    }

    /// Our encoder produces the same bytes as the Python package for the same content (same
    /// ordering, JSON spelling and space padding).
    func testEncodesByteIdenticalToPython() throws {
        XCTAssertEqual(SafeTensors.encode(fixtureTensors, metadata: fixtureMetadata), try fixtureBytes())
    }

    func testRoundTripAndAlignment() throws {
        for extra in 0..<9 {
            let meta = ["k": String(repeating: "x", count: extra), "λ": "ü\n\t\u{1}"]
            let t: [String: SafeTensors.Entry] = ["w": .init(shape: [3, 1], values: [1, -0.0, .pi]), "e": .init(shape: [0, 2], values: [])]
            let bytes = SafeTensors.encode(t, metadata: meta)
            let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            XCTAssertEqual((8 + n) % 8, 0, "data must start 8-byte aligned")
            let (back, m) = try SafeTensors.decode(bytes)
            XCTAssertEqual(back, t); XCTAssertEqual(m, meta)
        }
    }

    /// Builds a file from a raw header string and data bytes.
    func file(header: String, data: [UInt8]) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64($0))) }
        return out + h + data
    }

    func expect(_ bytes: [UInt8], _ code: ClassifierError.Code, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(bytes), file: file, line: line) { e in
            XCTAssertEqual((e as? ClassifierError)?.code, code, "\(e)", file: file, line: line)
        }
    }

    func testMalformedFilesGetTheirErrors() throws {
        let good = try fixtureBytes()
        let eight = [UInt8](repeating: 0, count: 8)
        expect([1, 2, 3], .truncated)                                            // no length
        expect(Array(good[0..<100]), .truncated)                                 // header cut
        expect(Array(good.dropLast(3)), .truncated)                              // data cut
        expect(good + [0, 0, 0, 0], .offsets)                                    // trailing bytes
        expect([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0] + eight, .header)            // absurd header length
        expect(file(header: "not json", data: []), .header)
        expect(file(header: "[1,2]", data: []), .header)
        expect(file(header: #"{"a":3}"#, data: []), .header)
        expect(file(header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, data: eight), .header)
        expect(file(header: #"{"__metadata__":{"k":1}}"#, data: []), .header)
        expect(file(header: #"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), .dtype)
        expect(file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), .shape)
        expect(file(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), .shape)
        expect(file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight), .shape)
        expect(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}"#, data: [0, 0, 0, 0]), .offsets)
        expect(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]), .offsets)
        expect(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: eight), .offsets)
        expect(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eight), .offsets)
        expect(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]), .truncated)
    }

    /// A model file written here loads with Python's safetensors package and has the same
    /// values and metadata. Skipped when python3 with numpy + safetensors is not installed.
    func testPythonSafetensorsLoadsOurModelFile() throws {
        // python3 from PATH (a pyenv interpreter may be the one with safetensors installed).
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/env") else { throw XCTSkip("no /usr/bin/env") }
        let model = Model(network: try Network(architecture: tinyArchitecture(), seed: 3), metadata: ["seed": "3", "note": "ä \"q\""])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-st-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.safetensors").path
        try model.save(path: path)
        let script = """
        import json, sys
        try:
            from safetensors.numpy import load_file
            from safetensors import safe_open
        except ImportError:
            print("SKIP"); sys.exit(0)
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="numpy") as f:
            meta = f.metadata()
        out = {k: {"dtype": str(v.dtype), "shape": list(v.shape), "sum": float(v.astype("float64").sum()),
                   "first_bits": int(v.reshape(-1).view("uint32")[0])} for k, v in t.items()}
        print(json.dumps({"tensors": out, "meta": meta}))
        """
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proc.arguments = ["python3", "-c", script, path]
        let pipe = Pipe()
        proc.standardOutput = pipe
        try proc.run()
        let outData = pipe.fileHandleForReading.readDataToEndOfFile()
        proc.waitUntilExit()
        let text = String(decoding: outData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text == "SKIP" { throw XCTSkip("python safetensors not installed") }
        if proc.terminationStatus == 127 { throw XCTSkip("python3 not installed") }
        XCTAssertEqual(proc.terminationStatus, 0)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let meta = try XCTUnwrap(obj["meta"] as? [String: String])
        XCTAssertEqual(meta["seed"], "3"); XCTAssertEqual(meta["note"], "ä \"q\"")
        XCTAssertEqual(meta["architecture"], tinyArchitecture().json())
        let py = try XCTUnwrap(obj["tensors"] as? [String: [String: Any]])
        let ours = model.tensors()
        XCTAssertEqual(Set(py.keys), Set(ours.keys))
        for (name, e) in ours {
            let p = try XCTUnwrap(py[name])
            XCTAssertEqual(p["dtype"] as? String, "float32")
            XCTAssertEqual((p["shape"] as? [Int]) ?? [], e.shape, name)
            let sum = e.values.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(p["sum"] as? Double ?? .nan, sum, accuracy: 1e-9 * max(1, abs(sum)) + 1e-9, name)
            XCTAssertEqual(p["first_bits"] as? Int, Int(e.values[0].bitPattern), name)   // bit-exact
        }
    }
}
