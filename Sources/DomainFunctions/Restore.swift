import Core
import Foundation
import FunctionsAPI

/// `restore`: soft-deleted vision boards, reference images and documents — what the caller can
/// still restore, restoring one within the retention window, and the server's purge of rows
/// past it. SQL of migrations 0003 and 0016.
enum Restore {
    /// The restore function of 0003 for each kind of soft-deleted row.
    static let kinds = ["vision_board": "restore_vision_board", "reference_image": "restore_reference_image", "document": "restore_document"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        ActionFunction(name: "restore", summary: "Soft-deleted boards, reference images and documents: list, restore, and the server's purge.", defaultAction: "restore", actions: [
            Action("list", "The caller's soft-deleted items that can still be restored, newest first, each with restorable_until.") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_restorable()::text") ?? "[]")
            },
            Action("restore", "Restores one of the caller's soft-deleted items deleted within the retention window (404 otherwise).",
                   parameters: [ParameterDescription("kind", "string", required: true, "vision_board, reference_image or document"),
                                ParameterDescription("id", "string (uuid)", required: true, "the item")]) { input in
                guard let kind = try input.choice("kind", kinds.keys.sorted()), let function = kinds[kind] else {
                    throw FunctionError.invalid("`kind` is required: one of \(kinds.keys.sorted().joined(separator: ", "))")
                }
                let id = try input.requiredUUID("id")
                let restored = try await database.json(input.caller, "SELECT public.\(function)($1::uuid)::text", [.text(id)])
                guard restored == "true" else {
                    throw FunctionError.notFound("no \(kind.replacingOccurrences(of: "_", with: " ")) of yours with id \(id) can be restored (not deleted, or deleted longer ago than the retention window)")
                }
                return .json(#"{"kind":"\#(kind)","id":"\#(id)","restored":true}"#)
            },
            Action("purge", "Deletes for real the items soft-deleted longer ago than the retention window, with their stored files; answers the counts.",
                   access: .serviceRole) { input in
                .json(try await database.json(input.caller, "SELECT public.purge_soft_deleted()::text") ?? "null")
            },
        ])
    }
}
