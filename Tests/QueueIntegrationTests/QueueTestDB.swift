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
            // The login the worker tests run as (cluster-wide, made once per cluster).
            try c.execute(PostgresQuery(unsafeSQL: """
                DO $$ BEGIN
                    CREATE ROLE \(workerLogin) LOGIN IN ROLE kneeflow_worker;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END $$
                """))
        }
    }

    /// A login in `kneeflow_worker` only: worker tests connect as it, so every statement of the
    /// worker loop runs with the worker role's rights (sql/006_roles.sql).
    static let workerLogin = "kneeflow_test_worker"

    /// `url` (of a database from `make()`) as the worker login.
    static func asWorker(_ url: String) -> String { url + "&user=\(workerLogin)" }

    static func int(_ conn: PostgresConnection, _ q: PostgresQuery, _ column: String = "n") throws -> Int {
        try XCTUnwrap(conn.query(q).first).decode(Int.self, column: column)
    }
}

extension RunInfo {
    static let testConfig = "{\"handler\": \"test\"}"
}
