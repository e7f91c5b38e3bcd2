/// The engine: analysis, profiles, the search, the seal, the catalog and the
/// frame pipeline (DESIGN.md §1-§4, §7).
public enum ReelpackEngine {}
