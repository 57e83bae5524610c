/// Namespace of the `Queue` module. (Scaffolding: replaced by the module's real contents.)
public enum QueueModule {}
