/// Namespace of the `Evaluation` module. (Scaffolding: replaced by the module's real contents.)
public enum EvaluationModule {}
