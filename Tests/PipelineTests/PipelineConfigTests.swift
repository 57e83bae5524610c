import Imaging
import Queue
import XCTest
@testable import Pipeline

final class PipelineConfigTests: XCTestCase {
    func testRoundTripAndStableHash() throws {
        var c = PipelineConfig()
        c.variant = .raw
        c.keepPerDataset["site-b"] = ClusterRange(start: 1, end: 5)
        let json = try c.canonicalJSON()
        let back = try PipelineConfig.decode(json: json)
        XCTAssertEqual(back, c)
        XCTAssertEqual(try back.sha256(), try c.sha256())
        XCTAssertNotEqual(try PipelineConfig().sha256(), try c.sha256())
    }

    func testPartialConfigTakesDefaults() throws {
        let c = try PipelineConfig.decode(json: #"{"variant":"nmf"}"#)
        XCTAssertEqual(c.variant, .nmf)
        var expected = PipelineConfig(); expected.variant = .nmf
        XCTAssertEqual(c, expected)
    }

    func testUnknownKeysAndBadValuesAreRejected() {
        XCTAssertThrowsError(try PipelineConfig.decode(json: #"{"varient":"seg"}"#)) { e in
            XCTAssertTrue("\(e)".contains("varient"), "\(e)")
        }
        XCTAssertThrowsError(try PipelineConfig.decode(json: #"{"variant":"fancy"}"#))
        XCTAssertThrowsError(try PipelineConfig.decode(json: #"{"sliceAxis":3}"#))
        XCTAssertThrowsError(try PipelineConfig.decode(json: #"{"keepPerDataset":{"a":{"start":4,"end":2}}}"#))
        XCTAssertThrowsError(try PipelineConfig.decode(json: "not json"))
    }

    func testInputKeysDefaultToSagittalAndClip() throws {
        let d = PipelineConfig()
        XCTAssertEqual(d.plane, .sagittal)
        XCTAssertNil(d.sliceAxis, "the axis comes from the affine unless set")
        XCTAssertEqual(d.negativeSamples, .clip)
        XCTAssertEqual(d.readOptions, VolumeReadOptions())
        let c = try PipelineConfig.decode(json: #"{"plane":"axial","sliceAxis":1,"negativeSamples":"refuse"}"#)
        XCTAssertEqual(c.readOptions, VolumeReadOptions(sliceAxis: 1, plane: .axial))
        XCTAssertEqual(c.negativeSamples, .refuse)
        XCTAssertEqual(try PipelineConfig.decode(json: try c.canonicalJSON()), c)
        // A configuration stored before these keys existed (sliceAxis 2) keeps reading axis 2.
        XCTAssertEqual(try PipelineConfig.decode(json: #"{"sliceAxis":2}"#).readOptions.sliceAxis, 2)
        XCTAssertThrowsError(try PipelineConfig.decode(json: #"{"plane":"oblique"}"#))
        XCTAssertThrowsError(try PipelineConfig.decode(json: #"{"negativeSamples":"ignore"}"#))
    }

    func testPerDatasetClusterRange() {
        var c = PipelineConfig()
        c.keepPerDataset["site-b"] = ClusterRange(start: 2, end: 6)
        XCTAssertEqual(c.preprocessOptions(dataset: "site-b").segmentation.keepStart, 2)
        XCTAssertEqual(c.preprocessOptions(dataset: "site-b").segmentation.keepEnd, 6)
        XCTAssertEqual(c.preprocessOptions(dataset: "site-a"), c.preprocess)
        XCTAssertEqual(ClusterRange(parsing: "0:4"), ClusterRange(start: 0, end: 4))
        XCTAssertNil(ClusterRange(parsing: "4:4"))
        XCTAssertNil(ClusterRange(parsing: "x"))
    }

    /// The per-job deadline: absent from the canonical JSON unless set (existing configurations
    /// keep their SHA-256), positive when set, and what the queue reads from a run.
    func testDeadlineSecondsIsOptionalPositiveAndReadByTheQueue() throws {
        XCTAssertFalse(try PipelineConfig().canonicalJSON().contains("deadlineSeconds"))
        var c = PipelineConfig()
        c.deadlineSeconds = 90
        let json = try c.canonicalJSON()
        XCTAssertEqual(try PipelineConfig.decode(json: json).deadlineSeconds, 90)
        let run = RunInfo(id: 1, name: "r", configJSON: json, configSHA256: "s", codeVersion: "v", modelPath: nil, modelSHA256: nil)
        XCTAssertEqual(run.deadlineSeconds, 90)
        for bad in ["{\"deadlineSeconds\": 0}", "{\"deadlineSeconds\": -5}", "{\"deadlineSeconds\": \"1\"}"] {
            XCTAssertThrowsError(try PipelineConfig.decode(json: bad), bad)
        }
        let builtin = RunInfo(id: 1, name: "r", configJSON: "{\"handler\": \"checksum\", \"deadlineSeconds\": 2.5}", configSHA256: "s",
                              codeVersion: "v", modelPath: nil, modelSHA256: nil)
        XCTAssertEqual(builtin.deadlineSeconds, 2.5)
        XCTAssertNil(RunInfo(id: 1, name: "r", configJSON: "{}", configSHA256: "s", codeVersion: "v", modelPath: nil, modelSHA256: nil).deadlineSeconds)
    }
}
