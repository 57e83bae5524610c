/// Namespace of the `Pipeline` module. (Scaffolding: replaced by the module's real contents.)
public enum PipelineModule {}
