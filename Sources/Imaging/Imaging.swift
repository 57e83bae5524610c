/// Namespace of the `Imaging` module. (Scaffolding: replaced by the module's real contents.)
public enum ImagingModule {}
