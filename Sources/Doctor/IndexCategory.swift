/// What an index is for, for the index analysis. Each index is one category, tried in this
/// order: primary key, unique, vector (hnsw, ivfflat), text search (gin, gist), foreign-key
/// support (it serves a foreign key's lookups), partial, and query support (the rest).
public enum IndexCategory: String, Sendable, CaseIterable {
    case primaryKey = "Primary key"
    case unique = "Unique"
    case vector = "Vector (ANN)"
    case textSearch = "Text search (GIN/GiST)"
    case foreignKey = "Foreign-key support"
    case partial = "Partial"
    case querySupport = "Query support"

    public static func of(_ index: DatabaseFacts.Index, foreignKeys: [DatabaseFacts.ForeignKey]) -> IndexCategory {
        if index.isPrimary { return .primaryKey }
        if index.isUnique { return .unique }
        if index.isVector { return .vector }
        if ["gin", "gist"].contains(index.method) { return .textSearch }
        let servesKey = foreignKeys.contains { key in
            key.schema == index.schema && key.table == index.table
                && ForeignKeyCoverage.coveringIndex(of: key, among: [index]) != nil
        }
        if servesKey { return .foreignKey }
        if index.predicate != nil { return .partial }
        return .querySupport
    }
}

/// The indexes by category, with those never scanned and the vector indexes' settings.
public struct IndexAnalysis: Sendable, Equatable {
    public struct Category: Sendable, Equatable {
        public var category: IndexCategory
        public var count: Int
        /// Never scanned since the statistics were reset.
        public var unscanned: Int
        public var indexes: [String]
    }

    /// A vector index: method, operator class and build parameters.
    public struct VectorIndex: Sendable, Equatable {
        public var name: String
        public var table: String
        public var method: String
        public var operatorClass: String
        /// The parameters set, or the defaults pgvector applies (`m=16, ef_construction=64` for
        /// hnsw, `lists=100` for ivfflat) marked as defaults.
        public var parameters: String
    }

    public var total: Int
    public var categories: [Category]
    public var vectorIndexes: [VectorIndex]

    public init(indexes: [DatabaseFacts.Index], foreignKeys: [DatabaseFacts.ForeignKey]) {
        let grouped = Dictionary(grouping: indexes) { IndexCategory.of($0, foreignKeys: foreignKeys) }
        total = indexes.count
        categories = IndexCategory.allCases.compactMap { category in
            guard let members = grouped[category], !members.isEmpty else { return nil }
            return Category(
                category: category, count: members.count, unscanned: members.filter { $0.scans == 0 }.count,
                indexes: members.map(\.qualifiedName).sorted())
        }
        vectorIndexes = indexes.filter(\.isVector).map { index in
            let defaults = index.method == "hnsw" ? "m=16, ef_construction=64" : "lists=100"
            return VectorIndex(
                name: index.qualifiedName, table: index.qualifiedTable, method: index.method,
                operatorClass: index.operatorClasses.first ?? "",
                parameters: index.options.isEmpty ? "defaults (\(defaults))" : index.options.joined(separator: ", "))
        }
    }
}

extension DatabaseFacts.Index {
    /// Whether it is a vector similarity index (pgvector's HNSW or IVFFlat).
    var isVector: Bool { method == "hnsw" || method == "ivfflat" }
}
