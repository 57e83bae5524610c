import Foundation
import Logging

extension EmbeddedCluster {
    /// Makes sure the application role `kneeflow` exists without superuser (LOGIN, CREATEROLE so
    /// migrations can create group roles and `db login` logins) and owns the database
    /// `kneeflow`. A cluster made by an earlier KneeFlow, whose bootstrap superuser was named
    /// `kneeflow`, is upgraded first (see `upgradeLegacyRoles`).
    func ensureRoles(_ st: ClusterState, logger: Logger) throws {
        let admin: PostgresConnection
        do {
            admin = try PostgresConnection(adminURL(port: st.port, socketDir: st.socketDir), logger: logger)
        } catch let e as PostgresError where e.message.contains("role \"\(Self.adminRole)\" does not exist") {
            try upgradeLegacyRoles(st, logger: logger)
            admin = try PostgresConnection(adminURL(port: st.port, socketDir: st.socketDir), logger: logger)
        }
        defer { admin.close() }
        try admin.execute("DROP ROLE IF EXISTS kneeflow_upgrade")   // left by an interrupted upgrade
        let app = try admin.query("SELECT rolsuper FROM pg_roles WHERE rolname = \(Self.appRole)")
        if app.isEmpty {
            try admin.execute("CREATE ROLE \(identifier: Self.appRole) LOGIN NOSUPERUSER CREATEROLE")
        } else if try app.first?.decode(Bool.self, column: "rolsuper") == true {
            logger.notice("removing superuser from the application role \(Self.appRole)")
            try admin.execute("ALTER ROLE \(identifier: Self.appRole) NOSUPERUSER CREATEROLE LOGIN")
        }
        if try admin.query("SELECT 1 FROM pg_database WHERE datname = 'kneeflow'").isEmpty {
            try admin.execute("CREATE DATABASE kneeflow OWNER \(identifier: Self.appRole)")
        }
    }

    /// An earlier KneeFlow ran initdb with the superuser `kneeflow`, which commands used. The
    /// bootstrap superuser cannot lose superuser, so it is renamed to `kneeflow_admin` (through a
    /// temporary superuser, dropped at the end), a new non-superuser `kneeflow` is made, and
    /// every database the old role owned — and every object in their non-system schemas — is
    /// handed to the new `kneeflow`. Logged, because it changes who owns the schema.
    func upgradeLegacyRoles(_ st: ClusterState, logger: Logger) throws {
        let temp = "kneeflow_upgrade"
        let legacy = try PostgresConnection(Self.socketURL(user: Self.appRole, socketDir: st.socketDir, port: st.port, database: "postgres"), logger: logger)
        let isBootstrap = try legacy.query("SELECT oid = 10 AS b FROM pg_roles WHERE rolname = current_user").first?.decode(Bool.self, column: "b") ?? false
        guard isBootstrap else {
            legacy.close()
            throw PostgresError(.cluster, "the cluster in \(st.dataDir) has neither the admin role \(Self.adminRole) nor a bootstrap superuser \(Self.appRole): not made by KneeFlow; set KNEEFLOW_HOME elsewhere")
        }
        logger.notice("upgrading roles: superuser \(Self.appRole) becomes \(Self.adminRole) (cluster administration only); commands now connect as the non-superuser \(Self.appRole)", metadata: ["home": "\(home)"])
        try legacy.execute("DROP ROLE IF EXISTS \(identifier: temp)")
        try legacy.execute("CREATE ROLE \(identifier: temp) SUPERUSER LOGIN")
        legacy.close()
        let up = try PostgresConnection(Self.socketURL(user: temp, socketDir: st.socketDir, port: st.port, database: "postgres"), logger: logger)
        defer { up.close() }
        try up.execute("ALTER ROLE \(identifier: Self.appRole) RENAME TO \(identifier: Self.adminRole)")
        try up.execute("CREATE ROLE \(identifier: Self.appRole) LOGIN NOSUPERUSER CREATEROLE")
        let dbs = try up.query("SELECT datname FROM pg_database WHERE datdba = 10 AND datname NOT IN ('postgres', 'template0', 'template1')")
            .map { try $0.decode(String.self, column: "datname") }
        for db in dbs {
            try up.execute("ALTER DATABASE \(identifier: db) OWNER TO \(identifier: Self.appRole)")
            let c = try PostgresConnection(Self.socketURL(user: temp, socketDir: st.socketDir, port: st.port, database: db), logger: logger)
            defer { c.close() }
            try c.runScript(Self.reassignScript)
        }
        let admin = try PostgresConnection(adminURL(port: st.port, socketDir: st.socketDir), logger: logger)
        defer { admin.close() }
        try admin.execute("DROP ROLE \(identifier: temp)")
        logger.notice("upgraded the embedded cluster's roles", metadata: ["databases": "\(dbs.joined(separator: ","))"])
    }

    /// Hands every object the bootstrap superuser (oid 10) owns in non-system schemas to the
    /// application role: schemas, tables (their indexes and owned sequences follow), views,
    /// free sequences, functions and procedures, enum/domain/range/composite types.
    static let reassignScript = """
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT nspname FROM pg_namespace WHERE nspowner = 10
                     AND nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public') LOOP
            EXECUTE format('ALTER SCHEMA %I OWNER TO kneeflow', r.nspname);
          END LOOP;
          FOR r IN SELECT c.oid::regclass AS o, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = 10 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
            EXECUTE format('ALTER %s %s OWNER TO kneeflow',
              CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.o);
          END LOOP;
          FOR r IN SELECT c.oid::regclass AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = 10 AND c.relkind = 'S'
                      AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
            EXECUTE format('ALTER SEQUENCE %s OWNER TO kneeflow', r.o);
          END LOOP;
          FOR r IN SELECT p.oid::regprocedure AS f, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE p.proowner = 10 AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
            EXECUTE format('ALTER %s %s OWNER TO kneeflow',
              CASE r.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, r.f);
          END LOOP;
          FOR r IN SELECT t.oid::regtype AS t, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                    LEFT JOIN pg_class c ON c.oid = t.typrelid
                    WHERE t.typowner = 10 AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
                      AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')) LOOP
            EXECUTE format('ALTER %s %s OWNER TO kneeflow', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.t);
          END LOOP;
        END $$;
        """
}
