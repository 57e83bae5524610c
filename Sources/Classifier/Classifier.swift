/// Namespace of the `Classifier` module. (Scaffolding: replaced by the module's real contents.)
public enum ClassifierModule {}
