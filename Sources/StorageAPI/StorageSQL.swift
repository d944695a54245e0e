import Core
import Foundation

/// Every statement the Storage API runs, values bound, JSON built by PostgreSQL. Identifiers
/// spliced into the text (sort columns and directions) come only from the fixed lists here.
enum StorageSQL {
    static func iso(_ column: String) -> String {
        #"to_char(\#(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#
    }

    static func bucketJSON(_ b: String) -> String {
        """
        json_build_object('id', \(b).id, 'name', \(b).name, 'owner', coalesce(\(b).owner::text, ''), 'public', \(b).public,
          'file_size_limit', \(b).file_size_limit, 'allowed_mime_types', \(b).allowed_mime_types,
          'created_at', \(iso("\(b).created_at")), 'updated_at', \(iso("\(b).updated_at")), 'type', 'STANDARD')
        """
    }

    /// An object row as the clients see it in `remove` results.
    static func objectJSON(_ o: String, name: String? = nil) -> String {
        """
        json_build_object('name', \(name ?? "\(o).name"), 'id', \(o).id, 'bucket_id', \(o).bucket_id, 'owner', coalesce(\(o).owner::text, ''),
          'created_at', \(iso("\(o).created_at")), 'updated_at', \(iso("\(o).updated_at")),
          'last_accessed_at', \(iso("\(o).last_accessed_at")), 'metadata', \(o).metadata, 'user_metadata', \(o).user_metadata)
        """
    }

    static let bucketSortColumns: Set<String> = ["id", "name", "created_at", "updated_at"]
    static let objectSortColumns: Set<String> = ["name", "created_at", "updated_at", "last_accessed_at"]

    static func listBuckets(limit: Int?, offset: Int, sortColumn: String, ascending: Bool, search: String?) -> SQLStatement {
        let column = bucketSortColumns.contains(sortColumn) ? sortColumn : "name"
        let direction = ascending ? "ASC" : "DESC"
        return SQLStatement(
            """
            SELECT coalesce(json_agg(x.j ORDER BY x.n), '[]')::text FROM (
              SELECT \(bucketJSON("b")) AS j, row_number() OVER (ORDER BY b.\(column) \(direction), b.id) AS n
              FROM storage.buckets b WHERE $1::text IS NULL OR b.name ILIKE '%' || $1 || '%' ESCAPE '\\'
              ORDER BY n LIMIT $2 OFFSET $3) x
            """, [search.map { .text(likeEscaped($0)) } ?? .null, limit.map { .int($0) } ?? .null, .int(offset)])
    }

    static func bucket(_ id: String) -> SQLStatement {
        SQLStatement("SELECT \(bucketJSON("b"))::text FROM storage.buckets b WHERE b.id = $1", [.text(id)])
    }

    static func createBucket(id: String, name: String, isPublic: Bool, sizeLimit: Int?, mimeTypes: [String]?) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO storage.buckets (id, name, owner, public, file_size_limit, allowed_mime_types)
            VALUES ($1, $2, auth.uid(), $3, $4::bigint, $5::text[]) RETURNING name
            """, [.text(id), .text(name), .bool(isPublic), sizeLimit.map { .int($0) } ?? .null, mimeTypes.map { .textArray($0) } ?? .null])
    }

    /// Changes only what the request names: `nil` leaves a setting, `.some(nil)` clears it.
    static func updateBucket(id: String, isPublic: Bool?, sizeLimit: Int??, mimeTypes: [String]??) -> SQLStatement {
        SQLStatement(
            """
            UPDATE storage.buckets SET public = coalesce($2::boolean, public),
              file_size_limit = CASE WHEN $3::boolean THEN $4::bigint ELSE file_size_limit END,
              allowed_mime_types = CASE WHEN $5::boolean THEN $6::text[] ELSE allowed_mime_types END
            WHERE id = $1 RETURNING id
            """,
            [
                .text(id), isPublic.map { .bool($0) } ?? .null,
                .bool(sizeLimit != nil), (sizeLimit ?? nil).map { .int($0) } ?? .null,
                .bool(mimeTypes != nil), (mimeTypes ?? nil).map { .textArray($0) } ?? .null,
            ])
    }

    /// `null` when the bucket does not exist, else how many objects went. Touching the bucket
    /// row first makes emptying need the right to change the bucket (service_role's alone).
    static func emptyBucket(_ id: String) -> SQLStatement {
        SQLStatement(
            """
            WITH b AS (UPDATE storage.buckets SET updated_at = now() WHERE id = $1 RETURNING id),
                 d AS (DELETE FROM storage.objects o USING b WHERE o.bucket_id = b.id RETURNING 1)
            SELECT CASE WHEN EXISTS (SELECT 1 FROM b) THEN (SELECT count(*) FROM d)::text END
            """, [.text(id)])
    }

    static func deleteBucket(_ id: String) -> SQLStatement {
        SQLStatement("DELETE FROM storage.buckets WHERE id = $1 RETURNING id", [.text(id)])
    }

    static func bucketLimits(_ bucket: String) -> SQLStatement {
        SQLStatement(
            """
            SELECT json_build_object('file_size_limit', l.file_size_limit, 'allowed_mime_types', l.allowed_mime_types)::text
            FROM storage.bucket_limits($1) l
            """, [.text(bucket)])
    }

    /// Whether this caller may create (or, with `upsert`, overwrite) the object: the same row
    /// checks as the real write, run in a transaction that is rolled back.
    static func probeWrite(bucket: String, name: String, owner: String?, upsert: Bool) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO storage.objects AS o (bucket_id, name, owner) VALUES ($1, $2, coalesce($3::uuid, auth.uid()))
            \(upsert ? "ON CONFLICT (bucket_id, name) DO UPDATE SET owner = coalesce(EXCLUDED.owner, o.owner)" : "")
            RETURNING o.id::text
            """, [.text(bucket), .text(name), owner.map { .text($0) } ?? .null])
    }

    struct Write {
        var bucket: String
        var name: String
        var owner: String?
        var version: String
        var eTag: String
        var size: Int64
        var mimeType: String
        var cacheControl: String
        var userMetadata: String?
        var upsert: Bool
    }

    static func writeObject(_ write: Write) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO storage.objects AS o (bucket_id, name, owner, version, metadata, user_metadata)
            VALUES ($1, $2, coalesce($3::uuid, auth.uid()), $4,
              jsonb_build_object('eTag', $5::text, 'size', $6::bigint, 'mimetype', $7::text, 'cacheControl', $8::text,
                'lastModified', \(iso("now()")), 'contentLength', $6::bigint, 'httpStatusCode', 200),
              $9::jsonb)
            \(write.upsert ? """
                ON CONFLICT (bucket_id, name) DO UPDATE SET version = EXCLUDED.version, metadata = EXCLUDED.metadata,
                  user_metadata = EXCLUDED.user_metadata, owner = coalesce(EXCLUDED.owner, o.owner), last_accessed_at = now()
                """ : "")
            RETURNING o.id::text
            """,
            [
                .text(write.bucket), .text(write.name), write.owner.map { .text($0) } ?? .null, .text(write.version),
                .text("\"\(write.eTag)\""), .int(Int(write.size)), .text(write.mimeType), .text(write.cacheControl),
                write.userMetadata.map { .json($0) } ?? .null,
            ])
    }

    /// What a download needs of the object row.
    static func stored(bucket: String, name: String) -> SQLStatement {
        SQLStatement(
            """
            SELECT json_build_object('version', o.version, 'size', coalesce((o.metadata->>'size')::bigint, 0),
              'mimetype', coalesce(o.metadata->>'mimetype', 'application/octet-stream'),
              'cacheControl', coalesce(o.metadata->>'cacheControl', 'no-cache'), 'eTag', o.metadata->>'eTag',
              'lastModified', to_char(o.updated_at AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS "GMT"'))::text
            FROM storage.objects o WHERE o.bucket_id = $1 AND o.name = $2
            """, [.text(bucket), .text(name)])
    }

    static func isPublicBucket(_ bucket: String) -> SQLStatement {
        SQLStatement("SELECT storage.is_public_bucket($1)::text", [.text(bucket)])
    }

    static func info(bucket: String, name: String) -> SQLStatement {
        SQLStatement(
            """
            SELECT json_build_object('id', o.id, 'name', o.name, 'version', o.version, 'bucket_id', o.bucket_id,
              'size', (o.metadata->>'size')::bigint, 'content_type', o.metadata->>'mimetype',
              'cache_control', o.metadata->>'cacheControl', 'etag', o.metadata->>'eTag', 'metadata', o.user_metadata,
              'last_modified', \(iso("o.updated_at")), 'created_at', \(iso("o.created_at")))::text
            FROM storage.objects o WHERE o.bucket_id = $1 AND o.name = $2
            """, [.text(bucket), .text(name)])
    }

    /// The names among `names` this caller can see.
    static func visibleNames(bucket: String, names: [String]) -> SQLStatement {
        SQLStatement(
            "SELECT coalesce(json_agg(o.name), '[]')::text FROM storage.objects o WHERE o.bucket_id = $1 AND o.name = ANY($2::text[])",
            [.text(bucket), .textArray(names)])
    }

    static func deleteObjects(bucket: String, names: [String]) -> SQLStatement {
        SQLStatement(
            """
            WITH d AS (DELETE FROM storage.objects o WHERE o.bucket_id = $1 AND o.name = ANY($2::text[]) RETURNING o.*)
            SELECT coalesce(json_agg(\(objectJSON("d"))), '[]')::text FROM d
            """, [.text(bucket), .textArray(names)])
    }

    static func move(from bucket: String, _ name: String, to destinationBucket: String, _ destination: String) -> SQLStatement {
        SQLStatement(
            """
            UPDATE storage.objects SET bucket_id = $3, name = $4, owner = coalesce(auth.uid(), owner)
            WHERE bucket_id = $1 AND name = $2 RETURNING id::text
            """, [.text(bucket), .text(name), .text(destinationBucket), .text(destination)])
    }

    /// Copies the row under a new version; answers the new id and the source's version.
    static func copy(from bucket: String, _ name: String, to destinationBucket: String, _ destination: String, version: String) -> SQLStatement {
        SQLStatement(
            """
            WITH src AS (SELECT version, metadata, user_metadata FROM storage.objects WHERE bucket_id = $1 AND name = $2),
                 ins AS (
                   INSERT INTO storage.objects (bucket_id, name, owner, version, metadata, user_metadata)
                   SELECT $3, $4, auth.uid(), $5, src.metadata || jsonb_build_object('lastModified', \(iso("now()"))), src.user_metadata
                   FROM src WHERE src.version IS NOT NULL RETURNING id)
            SELECT json_build_object('id', ins.id, 'source', src.version)::text FROM ins, src
            """, [.text(bucket), .text(name), .text(destinationBucket), .text(destination), .text(version)])
    }

    struct Listing {
        var bucket: String
        var prefix: String
        var search: String?
        var limit: Int
        var offset: Int
        var sortColumn: String
        var ascending: Bool
    }

    /// Direct children of a folder: files with names relative to it, and one entry per subfolder.
    static func list(_ listing: Listing) -> SQLStatement {
        let column = objectSortColumns.contains(listing.sortColumn) ? listing.sortColumn : "name"
        let direction = listing.ascending ? "ASC" : "DESC"
        let pattern = listing.prefix.isEmpty ? "%" : likeEscaped(listing.prefix) + "/%"
        return SQLStatement(
            """
            WITH rel AS (
              SELECT o.*, substr(o.name, CASE WHEN $3::text = '' THEN 1 ELSE length($3::text) + 2 END) AS rest FROM storage.objects o
              WHERE o.bucket_id = $1 AND o.name LIKE $2 ESCAPE '\\'
            ), entries AS (
              SELECT DISTINCT split_part(rest, '/', 1) AS name, NULL::uuid AS id, NULL::timestamptz AS updated_at,
                NULL::timestamptz AS created_at, NULL::timestamptz AS last_accessed_at, NULL::jsonb AS metadata
              FROM rel WHERE position('/' in rest) > 0
              UNION ALL
              SELECT rest, id, updated_at, created_at, last_accessed_at, metadata FROM rel WHERE position('/' in rest) = 0
            ), page AS (
              SELECT e.*, row_number() OVER (ORDER BY e.\(column)\(column == "name" ? #" COLLATE "C""# : "") \(direction), e.name COLLATE "C" \(direction)) AS n
              FROM entries e
              WHERE $4::text IS NULL OR lower(e.name) LIKE $4 || '%' ESCAPE '\\'
            )
            SELECT coalesce(json_agg(json_build_object('name', p.name, 'id', p.id, 'updated_at', \(iso("p.updated_at")),
              'created_at', \(iso("p.created_at")), 'last_accessed_at', \(iso("p.last_accessed_at")), 'metadata', p.metadata)
              ORDER BY p.n), '[]')::text
            FROM page p WHERE p.n > $5 AND p.n <= $5 + $6
            """,
            [
                .text(listing.bucket), .text(pattern), .text(listing.prefix),
                listing.search.map { .text(likeEscaped($0.lowercased())) } ?? .null, .int(listing.offset), .int(listing.limit),
            ])
    }

    /// One page (and one entry more) of a list-v2 listing, in its order, after its cursor:
    /// objects as `{id, name, key, metadata, updated_at, created_at, last_accessed_at}`, and
    /// with the delimiter one folder per common prefix (`name` ending with `/`, `id` null; its
    /// times the earliest `created_at` inside when the order is by a time), each with the
    /// `sort_name`, `sort_time` and `folder` the cursor is built from.
    static func listV2(_ listing: StorageService.ListingV2) -> SQLStatement {
        let direction = listing.ascending ? "ASC" : "DESC"
        let comparison = listing.ascending ? ">" : "<"
        let byName = listing.column == "name"
        // Time orders compare at millisecond precision, as the cursor carries them.
        let time = "date_trunc('milliseconds', coalesce(e.sort_time, 'epoch'::timestamptz))"
        let order = byName ? #"e.sort_name COLLATE "C" \#(direction)"# : #"\#(time) \#(direction), e.sort_name COLLATE "C" \#(direction)"#
        let after = byName
            ? #"($6::text IS NULL OR e.sort_name COLLATE "C" \#(comparison) $6) AND $7::timestamptz IS NULL"#
            : #"($6::text IS NULL OR (\#(time), e.sort_name COLLATE "C") \#(comparison) ($7::timestamptz, $6::text COLLATE "C"))"#
        let levels = listing.prefix.filter { $0 == "/" }.count + 1
        return SQLStatement(
            """
            WITH visible AS (
              SELECT o.*, substr(o.name, length($3::text) + 1) AS rest FROM storage.objects o
              WHERE o.bucket_id = $1 AND o.name LIKE $2 ESCAPE '\\'
            ), entries AS (
              SELECT id, name, name AS sort_name, metadata, updated_at, created_at, last_accessed_at,
                CASE $5 WHEN 'updated_at' THEN updated_at WHEN 'created_at' THEN created_at END AS sort_time, false AS folder
              FROM visible WHERE NOT $4 OR position('/' in rest) = 0
              UNION ALL
              SELECT NULL::uuid, f.folder || '/', f.folder || '/', NULL::jsonb, CASE WHEN $5 <> 'name' THEN f.first END,
                CASE WHEN $5 <> 'name' THEN f.first END, NULL::timestamptz, CASE WHEN $5 <> 'name' THEN f.first END, true
              FROM (SELECT $3::text || split_part(rest, '/', 1) AS folder, min(created_at) AS first
                    FROM visible WHERE $4 AND position('/' in rest) > 0 GROUP BY 1) f
            ), page AS (
              SELECT e.* FROM entries e WHERE \(after) ORDER BY \(order) LIMIT $8
            )
            SELECT coalesce(json_agg(json_build_object(
              'id', p.id, 'name', p.name, 'key', split_part(p.name, '/', $9::integer), 'metadata', p.metadata,
              'updated_at', \(iso("p.updated_at")), 'created_at', \(iso("p.created_at")), 'last_accessed_at', \(iso("p.last_accessed_at")),
              'sort_name', p.sort_name, 'sort_time', to_char(p.sort_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'folder', p.folder)
              ORDER BY \(order.replacingOccurrences(of: "e.", with: "p."))), '[]')::text
            FROM page p
            """,
            [
                .text(listing.bucket), .text(likeEscaped(listing.prefix) + "%"), .text(listing.prefix), .bool(listing.delimited),
                .text(listing.column), listing.afterName.map(SQLValue.text) ?? .null, listing.afterTime.map(SQLValue.text) ?? .null,
                .int(listing.limit + 1), .int(levels),
            ])
    }

    /// `text` as a literal inside a LIKE pattern (escape character `\`).
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
