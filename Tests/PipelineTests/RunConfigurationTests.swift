import Queue
import XCTest
@testable import Pipeline

/// The one owner of the choice between a built-in handler and a pipeline configuration.
final class RunConfigurationTests: XCTestCase {
    func testHandlerKeySelectsABuiltinEverythingElseIsAPipeline() throws {
        XCTAssertEqual(try RunConfiguration.parse(json: #"{"handler": "checksum", "v": 1}"#), .builtin(name: "checksum"))
        var nmf = PipelineConfig(); nmf.variant = .nmf
        XCTAssertEqual(try RunConfiguration.parse(json: #"{"variant":"nmf"}"#), .pipeline(nmf))
        XCTAssertEqual(try RunConfiguration.parse(json: "{}"), .pipeline(PipelineConfig()))
        for bad in [#"{"handler": 5}"#, "[1]", "not json", #"{"varient":"seg"}"#] {
            XCTAssertThrowsError(try RunConfiguration.parse(json: bad), bad) { XCTAssertEqual(($0 as? PipelineError)?.code, .config) }
        }
    }

    func testPipelineConfigOfARunRefusesABuiltinRun() throws {
        func run(_ json: String) -> RunInfo {
            RunInfo(id: 1, name: "r", configJSON: json, configSHA256: "", codeVersion: "v", modelPath: nil, modelSHA256: nil)
        }
        XCTAssertEqual(try PipelineConfig.of(run(#"{"variant":"raw"}"#)).variant, .raw)
        XCTAssertEqual(try PipelineConfig.of(run(#"{"variant":"raw"}"#)).variant, .raw)
        XCTAssertThrowsError(try PipelineConfig.of(run(#"{"handler":"noop"}"#))) { XCTAssertEqual(($0 as? PipelineError)?.code, .config) }
    }
}
