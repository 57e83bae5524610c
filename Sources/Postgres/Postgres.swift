/// Namespace of the `Postgres` module. (Scaffolding: replaced by the module's real contents.)
public enum PostgresModule {}
