/// Namespace of the `Phantom` module. (Scaffolding: replaced by the module's real contents.)
public enum PhantomModule {}
