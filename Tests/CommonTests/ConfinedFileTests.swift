#if canImport(Glibc)
import Glibc
#endif
@testable import Common
import TestSupport
import Foundation
import XCTest

/// Inputs confined to their root, read from the open descriptor within a budget; artifact
/// paths read without following symlinks; full disks told apart from other write errors.
final class ConfinedFileTests: XCTestCase {
    var dir: String!
    var root: String { dir + "/root" }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kf-confined-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: root + "/sub/in.npy"))
        // A secret outside the root, readable only by its owner (like /etc/shadow).
        try Data("root:$6$secret-hash:19000::::::\n".utf8).write(to: URL(fileURLWithPath: dir + "/shadow"))
        chmod(dir + "/shadow", 0o600)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func assertRefused(_ body: @autoclosure () throws -> Any, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            XCTAssertEqual((e as? CommonError)?.code, .refused, "\(e)", file: file, line: line)
            XCTAssertTrue("\(e)".contains(fragment), "\(e)", file: file, line: line)
            XCTAssertFalse("\(e)".contains("secret-hash"), "the refused file's bytes never reach the message", file: file, line: line)
        }
    }

    func testInsideTheRootIsReadAndSymlinksStayingInsideAreFollowed() throws {
        XCTAssertEqual(try ConfinedFile.read(root + "/sub/in.npy", under: root, budget: 3), [1, 2, 3])
        try FileManager.default.createSymbolicLink(atPath: root + "/link.npy", withDestinationPath: "sub/in.npy")
        XCTAssertEqual(try ConfinedFile.read(root + "/link.npy", under: root, budget: 10), [1, 2, 3])
        XCTAssertEqual(try ConfinedFile.sha256(root + "/link.npy", under: root).size, 3)
    }

    func testAbsolutePathOutsideTheRootIsRefused() {
        assertRefused(try ConfinedFile.read(dir + "/shadow", under: root, budget: 1 << 20), "outside the input root")
        assertRefused(try ConfinedFile.resolve("/etc/passwd", under: root), "outside the input root")
    }

    func testDotDotLeavingTheRootIsRefused() {
        assertRefused(try ConfinedFile.read(root + "/sub/../../shadow", under: root, budget: 1 << 20), "outside the input root")
    }

    func testSymlinkOutOfTheRootIsRefused() throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/sub/shadow.npy", withDestinationPath: dir + "/shadow")
        assertRefused(try ConfinedFile.read(root + "/sub/shadow.npy", under: root, budget: 1 << 20), "outside the input root")
        assertRefused(try ConfinedFile.sha256(root + "/sub/shadow.npy", under: root), "outside the input root")
        // A directory symlink leaving the root too.
        try FileManager.default.createSymbolicLink(atPath: root + "/up", withDestinationPath: dir)
        assertRefused(try ConfinedFile.read(root + "/up/shadow", under: root, budget: 1 << 20), "outside the input root")
    }

    /// A FIFO without a writer would block open(2) and read(2) forever; it is refused at once.
    func testFIFOIsRefusedWithoutBlocking() throws {
        XCTAssertEqual(mkfifo(root + "/sub/fifo.npy", 0o644), 0)
        let outcome = Locked<Result<[UInt8], Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let root = self.root
        Thread {
            outcome.withLock { $0 = Result { try ConfinedFile.read(root + "/sub/fifo.npy", under: root, budget: 1 << 20) } }
            done.signal()
        }.start()
        // Hang guard only: a correct implementation returns at once.
        guard done.wait(timeout: .now() + 60) == .success else { return XCTFail("reading a FIFO blocked") }
        XCTAssertThrowsError(try outcome.value!.get()) { e in
            XCTAssertEqual((e as? CommonError)?.code, .refused)
            XCTAssertTrue("\(e)".contains("not a regular file (a FIFO)"), "\(e)")
        }
        XCTAssertThrowsError(try ConfinedFile.sha256(root + "/sub/fifo.npy", under: root)) { XCTAssertEqual(($0 as? CommonError)?.code, .refused) }
    }

    /// /dev/zero behind a symlink: outside the root; with the root at / it is refused as a
    /// device; and a descriptor that never ends is read only up to the budget.
    func testDevZeroIsRefusedAndReadsStopAtTheBudget() throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/sub/zero.npy", withDestinationPath: "/dev/zero")
        assertRefused(try ConfinedFile.read(root + "/sub/zero.npy", under: root, budget: 1 << 20), "outside the input root")
        assertRefused(try ConfinedFile.read(root + "/sub/zero.npy", under: "/", budget: 1 << 20), "a character device")
        let fd = open("/dev/zero", O_RDONLY)
        defer { close(fd) }
        XCTAssertThrowsError(try ConfinedFile.readBounded(fd: fd, name: "/dev/zero", budget: 3 << 20)) { e in
            XCTAssertEqual((e as? CommonError)?.code, .tooLarge)
            XCTAssertTrue("\(e)".contains("memory budget of 3145728 bytes"), "\(e)")
        }
    }

    func testOverTheBudgetIsTooLargeWhateverTheSize() throws {
        XCTAssertThrowsError(try ConfinedFile.read(root + "/sub/in.npy", under: root, budget: 2)) {
            XCTAssertEqual(($0 as? CommonError)?.code, .tooLarge)
        }
    }

    func testDirectoryAndMissingRootAreRefused() {
        assertRefused(try ConfinedFile.read(root + "/sub", under: root, budget: 10), "a directory")
        assertRefused(try ConfinedFile.read(root + "/sub/in.npy", under: dir + "/nope", budget: 10), "input root")
    }

    // MARK: artifact tree

    func testArtifactTreeRefusesAbsoluteDotDotAndSymlinks() throws {
        XCTAssertEqual(try ArtifactTree.read("sub/in.npy", root: root), [1, 2, 3])
        assertRefused(try ArtifactTree.read("../shadow", root: root), "'..'")
        assertRefused(try ArtifactTree.read("sub/../../shadow", root: root), "'..'")
        assertRefused(try ArtifactTree.read(dir + "/shadow", root: root), "absolute")
        assertRefused(try ArtifactTree.read("sub//in.npy", root: root), "component")
        // A file symlink, even to a file inside the tree, and a directory symlink.
        try FileManager.default.createSymbolicLink(atPath: root + "/sub/shadow.png", withDestinationPath: dir + "/shadow")
        assertRefused(try ArtifactTree.read("sub/shadow.png", root: root), "is a symlink")
        try FileManager.default.createSymbolicLink(atPath: root + "/sub/again.npy", withDestinationPath: "in.npy")
        assertRefused(try ArtifactTree.read("sub/again.npy", root: root), "is a symlink")
        try FileManager.default.createSymbolicLink(atPath: root + "/up", withDestinationPath: dir)
        assertRefused(try ArtifactTree.read("up/shadow", root: root), "is a symlink")
        XCTAssertEqual(mkfifo(root + "/sub/fifo.png", 0o644), 0)
        assertRefused(try ArtifactTree.read("sub/fifo.png", root: root), "not a regular file")
    }

    // MARK: full disk

    func testAtomicFileReportsAFullDiskAsStorageFull() throws {
        XCTAssertEqual(AtomicFile.failure(ENOSPC, "x").code, .storageFull)
        XCTAssertEqual(AtomicFile.failure(EDQUOT, "x").code, .storageFull)
        XCTAssertEqual(AtomicFile.failure(EACCES, "x").code, .io)
        // A real full device: a 1 MiB tmpfs (needs root and mount; CI runs as root).
        let mnt = dir + "/mnt"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        guard TmpfsMount.mount(mnt, size: "1m") else { throw XCTSkip("cannot mount a tmpfs here (not root?)") }
        defer { TmpfsMount.unmount(mnt) }
        XCTAssertThrowsError(try AtomicFile.write([UInt8](repeating: 7, count: 2 << 20), to: mnt + "/a/big.npy", durable: false)) { e in
            XCTAssertEqual((e as? CommonError)?.code, .storageFull, "\(e)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mnt + "/a"), [], "the partial temp file is removed")
    }
}
