import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// A fresh database per test, copied from a template migrated once per test process.
enum QueueTestDB {
    static func make() throws -> String {
        try TestDatabase.shared.makeDatabase(template: "kneeflow_migrated") { url in
            let c = try PostgresConnection(url)
            defer { c.close() }
            try Migrator().migrate(c)
        }
    }

    static func int(_ conn: PostgresConnection, _ q: PostgresQuery, _ column: String = "n") throws -> Int {
        try XCTUnwrap(conn.query(q).first).decode(Int.self, column: column)
    }
}

extension RunInfo {
    static let testConfig = "{\"handler\": \"test\"}"
}
