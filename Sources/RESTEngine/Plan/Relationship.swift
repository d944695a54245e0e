import RESTErrors
import RESTQuery
import SchemaCache

/// A way to embed one relation into another, read off the schema cache's foreign keys in both
/// directions, plus many-to-many through a junction table (PostgREST's `Relationship`).
struct Relationship {
    enum Cardinality {
        case manyToOne, oneToMany, oneToOne, manyToMany
    }

    /// A many-to-many's junction: its keys to the origin and to the target.
    struct Junction {
        var relation: Relation
        var toOrigin: ForeignKey
        var toTarget: ForeignKey
    }

    var cardinality: Cardinality
    var origin: Relation
    var target: Relation
    /// The foreign key that links origin and target directly (nil for many-to-many).
    var foreignKey: ForeignKey?
    /// Whether the origin holds `foreignKey` (many-to-one, or one-to-one seen from the key's side).
    var originHoldsKey: Bool
    /// Pairs of equal columns: (origin, target); for many-to-many, (origin, junction).
    var columns: [(origin: String, target: String)]
    var junction: Junction?

    var toMany: Bool { cardinality == .oneToMany || cardinality == .manyToMany }
    var isSelf: Bool { origin.schema == target.schema && origin.name == target.name }

    /// The single column of the origin side, for `target(*)`/`!hint` written as a column name.
    var originColumn: String? { columns.count == 1 && junction == nil ? columns[0].origin : nil }
    /// The single column of the target side.
    var targetColumn: String? { columns.count == 1 && junction == nil ? columns[0].target : nil }

    var join: JoinPlan {
        JoinPlan(
            parentColumns: columns.map(\.origin), childColumns: columns.map(\.target),
            junction: junction.map {
                JoinPlan.Junction(
                    relation: QualifiedName(schema: $0.relation.schema, name: $0.relation.name),
                    columns: $0.toTarget.columns, childKeys: $0.toTarget.referencedColumns)
            })
    }

    /// How PGRST201 lists it.
    var candidate: RESTError.RelationshipCandidate {
        if let junction {
            return .manyToMany(
                table: origin.name, foreignTable: target.name, junction: junction.relation.name,
                sourceConstraint: junction.toOrigin.constraintName, sourceColumns: junction.toOrigin.columns,
                targetConstraint: junction.toTarget.constraintName, targetColumns: junction.toTarget.columns)
        }
        let constraint = foreignKey?.constraintName ?? ""
        let originColumns = columns.map(\.origin)
        let targetColumns = columns.map(\.target)
        switch cardinality {
        case .manyToOne:
            return .manyToOne(constraint: constraint, table: origin.name, columns: originColumns,
                              foreignTable: target.name, foreignColumns: targetColumns)
        case .oneToMany:
            return .oneToMany(constraint: constraint, table: origin.name, columns: originColumns,
                              foreignTable: target.name, foreignColumns: targetColumns)
        case .oneToOne, .manyToMany:
            return .oneToOne(constraint: constraint, table: origin.name, columns: originColumns,
                             foreignTable: target.name, foreignColumns: targetColumns)
        }
    }
}

extension Relationship {
    /// Every relationship from `origin` to an exposed relation.
    static func all(from origin: Relation, in cache: SchemaCache) -> [Relationship] {
        var found: [Relationship] = []
        // Many-to-one (one-to-one when the key's columns are unique): origin holds the key.
        for key in origin.foreignKeys {
            guard let target = cache.relation(key.referencedSchema, key.referencedTable) else { continue }
            found.append(Relationship(
                cardinality: isUnique(key.columns, in: origin) ? .oneToOne : .manyToOne,
                origin: origin, target: target, foreignKey: key, originHoldsKey: true,
                columns: Array(zip(key.columns, key.referencedColumns)).map { (origin: $0.0, target: $0.1) }, junction: nil))
        }
        // One-to-many (one-to-one when unique): another relation's key references origin.
        for other in cache.relations {
            for key in other.foreignKeys where references(key, origin) {
                found.append(Relationship(
                    cardinality: isUnique(key.columns, in: other) ? .oneToOne : .oneToMany,
                    origin: origin, target: other, foreignKey: key, originHoldsKey: false,
                    columns: Array(zip(key.referencedColumns, key.columns)).map { (origin: $0.0, target: $0.1) }, junction: nil))
            }
        }
        // Many-to-many: a junction with a key to origin and another key to the target, both made
        // of primary-key columns of the junction.
        for junction in cache.relations where !junction.primaryKey.isEmpty {
            let primaryKey = Set(junction.primaryKey)
            for toOrigin in junction.foreignKeys where references(toOrigin, origin) && Set(toOrigin.columns).isSubset(of: primaryKey) {
                for toTarget in junction.foreignKeys
                where toTarget.constraintName != toOrigin.constraintName && Set(toTarget.columns).isSubset(of: primaryKey) {
                    guard let target = cache.relation(toTarget.referencedSchema, toTarget.referencedTable) else { continue }
                    found.append(Relationship(
                        cardinality: .manyToMany, origin: origin, target: target, foreignKey: nil, originHoldsKey: false,
                        columns: Array(zip(toOrigin.referencedColumns, toOrigin.columns)).map { (origin: $0.0, target: $0.1) },
                        junction: Junction(relation: junction, toOrigin: toOrigin, toTarget: toTarget)))
                }
            }
        }
        return found
    }

    /// The one relationship `embedding` names from `origin` (PostgREST's `findRel`): by target
    /// relation name, foreign-key constraint name or single foreign-key column, narrowed by the
    /// `!hint` (constraint, column of either side, or junction). None → PGRST200; several →
    /// PGRST201 with the candidates.
    static func resolve(_ embedding: Embedding, from origin: Relation, in cache: SchemaCache) throws(RESTError) -> Relationship {
        let target = embedding.target
        let matching = all(from: origin, in: cache).filter { relationship in
            relationship.matches(target: target, hint: embedding.hint)
        }
        switch matching.count {
        case 0:
            throw RESTError.relationshipNotFound(parent: origin.name, child: target, embedHint: embedding.hint, schema: origin.schema)
        case 1:
            return matching[0]
        default:
            throw RESTError.ambiguousRelationship(parent: origin.name, child: target, candidates: matching.map(\.candidate))
        }
    }

    func matches(target name: String, hint: String?) -> Bool {
        let named = name == target.name
        let constraint = foreignKey?.constraintName
        // A self-referencing key gives two relationships over one key: the table name (with a
        // hint naming the referencing column) selects the one-to-many side, the column name
        // the many-to-one side.
        if isSelf && junction == nil {
            if let hint {
                return named && !originHoldsKey && (targetColumn == hint || constraint == hint)
            }
            return (named && !originHoldsKey) || (originHoldsKey && (originColumn == name || constraint == name))
        }
        guard let hint else {
            return named || (junction == nil && (constraint == name || originColumn == name))
        }
        return named && (constraint == hint || originColumn == hint || targetColumn == hint || junction?.relation.name == hint)
    }

    private static func references(_ key: ForeignKey, _ relation: Relation) -> Bool {
        key.referencedSchema == relation.schema && key.referencedTable == relation.name
    }

    /// True when `columns` are exactly the primary key or a unique key of `relation`.
    private static func isUnique(_ columns: [String], in relation: Relation) -> Bool {
        let set = Set(columns)
        return Set(relation.primaryKey) == set || relation.uniqueKeys.contains { Set($0) == set }
    }
}
