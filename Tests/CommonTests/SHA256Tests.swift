import XCTest
@testable import Common

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 / NIST example vectors.
    func testKnownAnswers() {
        XCTAssertEqual(SHA256.hex(string: ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(string: "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(string: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding in odd-sized pieces gives the same digest as one shot (block-boundary handling).
    func testStreamingMatchesOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in [1, 55, 56, 63, 64, 65, 127, 999] {
            var h = SHA256()
            h.update(bytes[0..<split])
            h.update(bytes[split...])
            XCTAssertEqual(Hex.encode(h.finalize()), SHA256.hex(bytes), "split at \(split)")
        }
    }

    /// Both compressions — the CPU's SHA extensions where present and the Swift reference — give
    /// the NIST digests and agree on random inputs of every length around block boundaries.
    func testHardwareAndSoftwareCompressionAgree() {
        func digest(_ bytes: [UInt8], hardware: Bool, pieces: Int = 1) -> String {
            var h = SHA256(hardware: hardware)
            let step = max(1, bytes.count / pieces)
            var i = 0
            while i < bytes.count { h.update(bytes[i..<min(bytes.count, i + step)]); i += step }
            return Hex.encode(h.finalize())
        }
        let million = [UInt8](repeating: 0x61, count: 1_000_000)
        for hw in [false, true] {
            XCTAssertEqual(digest(Array("abc".utf8), hardware: hw), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            XCTAssertEqual(digest(million, hardware: hw, pieces: 7), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        }
        var state: UInt64 = 0x9E3779B97F4A7C15
        for length in [0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 191, 192, 1000, 4096, 65_537] {
            let bytes = (0..<length).map { _ -> UInt8 in
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                return UInt8(truncatingIfNeeded: state)
            }
            XCTAssertEqual(digest(bytes, hardware: true), digest(bytes, hardware: false), "length \(length)")
            XCTAssertEqual(digest(bytes, hardware: true, pieces: 3), digest(bytes, hardware: false), "length \(length), 3 pieces")
        }
        print("SHA-256 extensions on this CPU: \(SHA256.hardwareAvailable)")
    }

    func testFileHashAndAtomicWrite() throws {
        let dir = NSTemporaryDirectory() + "kf-common-\(UUID().uuidString)"
        let path = dir + "/sub/x.bin"
        try AtomicFile.write(string: "abc", to: path)
        let (hex, size) = try SHA256.file(at: path)
        XCTAssertEqual(size, 3)
        XCTAssertEqual(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertThrowsError(try SHA256.file(at: dir + "/missing"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/sub")
        XCTAssertEqual(leftovers, ["x.bin"])
        try? FileManager.default.removeItem(atPath: dir)
    }
}
