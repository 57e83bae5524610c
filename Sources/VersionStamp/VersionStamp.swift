import Foundation
import PackagePlugin

/// Stamps the target it is applied to with the git commit and dirty flag of the package checkout
/// (`GitStamp`), by running ops/version-stamp.sh before every build. The script rewrites its output
/// only when the commit or the dirty flag changed.
@main
struct VersionStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let outputs = context.pluginWorkDirectoryURL.appending(path: "Generated")
        return [
            .prebuildCommand(
                displayName: "Stamping the code version from git",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    package.appending(path: "ops/version-stamp.sh").path,
                    package.path,
                    outputs.appending(path: "GitStamp.swift").path,
                ],
                outputFilesDirectory: outputs
            ),
        ]
    }
}
