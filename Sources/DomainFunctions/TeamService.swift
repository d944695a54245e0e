import Core
import Database
import Foundation
import FunctionsAPI

/// `team-service`: enterprise teams — create (the creator owns it), invitations by email that
/// the invitee (the account with that confirmed address) accepts or declines, up to
/// `max_members`, roles changed by owners and admins (the owner stays owner), members removed or
/// leaving, and the daily/weekly/monthly leaderboard for active members. SQL of migrations 0006,
/// 0013 and 0036.
enum TeamService {
    static let roles = ["member", "manager", "admin"]
    static let teamFields = ["name", "slug", "logo_url", "settings", "is_active"]

    static func function(_ database: CallerDatabase) -> ActionFunction {
        let team = ParameterDescription("team_id", "string (uuid)", required: true, "one of the caller's teams")
        let user = ParameterDescription("user_id", "string (uuid)", required: true, "a member of the team")
        let invitation = [
            ParameterDescription("invitation_id", "string (uuid)", "the invitation (or its code)"),
            ParameterDescription("code", "string", "the code of the invitation mail (or the invitation's id)"),
        ]
        let invitee = [
            ParameterDescription("email", "string", required: true, "the address to invite"),
            ParameterDescription("role", "string", "member (default), manager or admin"),
        ]
        let fields = [
            ParameterDescription("name", "string", "1-100 characters"),
            ParameterDescription("slug", "string", "unique: lower-case letters, digits and dashes, 3-50"),
            ParameterDescription("logo_url", "string", ""),
            ParameterDescription("settings", "object", ""),
        ]
        return ActionFunction(name: "team-service", summary: "Enterprise teams: invitations, members and roles within max_members, and leaderboards.", actions: [
            Action("create", "Creates a team owned by the caller, who becomes its member with role owner.",
                   parameters: fields.requiring("name")) { input in
                _ = try input.text("name", maxLength: 100)
                try validateTeam(input)
                return .json(try await database.json(input.caller, "SELECT public.create_team($1::jsonb)::text",
                                                     [.json(input.patch(teamFields))]) ?? "null", status: 201)
            },
            Action("list", "The teams the caller is an active member of, with their role and member count.") { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_my_teams()::text") ?? "[]")
            },
            Action("get", "One of the caller's teams with its active members (email, display name, role).", parameters: [team]) { input in
                .json(try await database.json(input.caller, readOnly: true, "SELECT public.get_team($1::uuid)::text",
                                              [.text(try input.requiredUUID("team_id"))]) ?? "null")
            },
            Action("update", "Changes a team's name, slug, logo, settings or active flag (owner or admin).",
                   parameters: [team] + fields + [ParameterDescription("is_active", "boolean", "")]) { input in
                let id = try input.requiredUUID("team_id")
                if input.has("name") { _ = try input.text("name", maxLength: 100) }
                try validateTeam(input)
                _ = try input.bool("is_active")
                return .json(try await database.json(input.caller, "SELECT public.update_team($1::uuid, $2::jsonb)::text",
                                                     [.text(id), .json(input.patch(teamFields))]) ?? "null")
            },
            Action("delete", "Deletes a team with its memberships and leaderboards (owner or admin).", parameters: [team]) { input in
                let id = try input.requiredUUID("team_id")
                return .json(try await database.transaction(input.caller) { tx in
                    _ = try await tx.text(SQLStatement("SELECT internal.team_access($1::uuid, true)", [.text(id)]))
                    try await tx.execute(SQLStatement("DELETE FROM public.teams WHERE id = $1::uuid", [.text(id)]))
                    return #"{"team_id":"\#(id)","deleted":true}"#
                })
            },
            Action("invite", "Invites an email address as member, manager or admin (owner or admin): the pending invitation (id, team_id, email, role, status, expires_at), the same whether or not the address has an account, mailed with its code; inviting again refreshes it. Members plus pending invitations never exceed max_members (422); an active member is 409; more than 50 invitations a day per team or 100 per inviter are 429. Alias: add_member.",
                   parameters: [team] + invitee) { input in
                try await invite(input, database)
            },
            Action("add_member", "Same as invite.", parameters: [team] + invitee) { input in
                try await invite(input, database)
            },
            Action("accept_invitation", "The invitee (the account whose confirmed email the invitation names) joins the team with the invitation's role: the invitation and the team. An unknown id or code is 404 (each user may try 10 codes an hour, 429 beyond); anyone else, or an unconfirmed address, is 403; an expired, answered or revoked invitation, or a full team, 422.",
                   parameters: invitation) { input in
                .json(try await database.json(
                    input.caller, "SELECT public.accept_team_invitation($1::uuid, $2)::text", try invitationKey(input),
                    orNotFound: unknownInvitation))
            },
            Action("decline_invitation", "The invitee declines a pending invitation: the invitation. An unknown id or code is 404 (10 codes an hour).", parameters: invitation) { input in
                .json(try await database.json(
                    input.caller, "SELECT public.decline_team_invitation($1::uuid, $2)::text", try invitationKey(input),
                    orNotFound: unknownInvitation))
            },
            Action("invitations", "Pending invitations: without team_id, those addressed to the caller's confirmed email (with the team's name and the inviter's email); with team_id, the team's (owner or admin).",
                   parameters: [ParameterDescription("team_id", "string (uuid)", "one of the caller's teams (owner or admin)")]) { input in
                if let id = try input.uuid("team_id") {
                    return .json(try await database.json(
                        input.caller, readOnly: true, "SELECT public.list_team_invitations($1::uuid)::text", [.text(id)]) ?? "[]")
                }
                return .json(try await database.json(input.caller, readOnly: true, "SELECT public.list_my_team_invitations()::text") ?? "[]")
            },
            Action("revoke_invitation", "Revokes a pending invitation of the caller's team (owner or admin): the invitation.",
                   parameters: [ParameterDescription("invitation_id", "string (uuid)", required: true, "a pending invitation of the team")]) { input in
                .json(try await database.json(
                    input.caller, "SELECT public.revoke_team_invitation($1::uuid)::text",
                    [.text(try input.requiredUUID("invitation_id"))]) ?? "null")
            },
            Action("set_role", "Sets a member's role to member, manager or admin (owner or admin); the owner's role never changes.",
                   parameters: [team, user, ParameterDescription("role", "string", required: true, roles.joined(separator: ", "))]) { input in
                let role = try input.choice("role", roles)
                guard let role else { throw FunctionError.invalid("`role` is required: one of \(roles.joined(separator: ", "))") }
                return .json(try await database.json(
                    input.caller, "SELECT public.set_team_member_role($1::uuid, $2::uuid, $3)::text",
                    [.text(try input.requiredUUID("team_id")), .text(try input.requiredUUID("user_id")), .text(role)]) ?? "null")
            },
            Action("remove", "Removes a member (owner or admin); the owner cannot be removed.", parameters: [team, user]) { input in
                .json(try await database.json(
                    input.caller, "SELECT public.remove_team_member($1::uuid, $2::uuid)::text",
                    [.text(try input.requiredUUID("team_id")), .text(try input.requiredUUID("user_id"))]) ?? "null")
            },
            Action("leave", "The caller leaves a team (not its owner).", parameters: [team]) { input in
                .json(try await database.json(input.caller, "SELECT public.leave_team($1::uuid)::text",
                                              [.text(try input.requiredUUID("team_id"))]) ?? "null")
            },
            Action("leaderboard", "The team's ranking of active members by habit completions in the current UTC day, ISO week or month, then best streak; served from the cached snapshot (at most 5 minutes old) or computed afresh.",
                   parameters: [team, ParameterDescription("period", "string", "daily, weekly (default), monthly or all_time"),
                                ParameterDescription("refresh", "boolean", "owner or admin: compute afresh now")]) { input in
                let binds: [SQLValue] = [
                    .text(try input.requiredUUID("team_id")),
                    .text(try input.choice("period", ["daily", "weekly", "monthly", "all_time"]) ?? "weekly"),
                    .bool(try input.bool("refresh") ?? false),
                ]
                return .json(try await database.json(
                    input.caller, "SELECT public.get_team_leaderboard($1::uuid, $2, $3)::text", binds) ?? "null")
            },
        ])
    }

    static func invite(_ input: ActionInput, _ database: CallerDatabase) async throws -> FunctionResponse {
        let binds: [SQLValue] = [
            .text(try input.requiredUUID("team_id")), .text(try input.text("email", maxLength: 320)),
            .text(try input.choice("role", roles) ?? "member"),
        ]
        return .json(try await database.json(input.caller, "SELECT public.add_team_member($1::uuid, $2, $3)::text", binds) ?? "null",
                     status: 201)
    }

    /// What an answer to an invitation no code names gets (the database counted the try).
    static let unknownInvitation = "no team invitation has this code"

    /// The invitation an answer names: `invitation_id` or `code`, exactly one of them.
    static func invitationKey(_ input: ActionInput) throws(FunctionError) -> [SQLValue] {
        let id = try input.uuid("invitation_id")
        let code = try input.string("code", maxLength: 200)?.trimmingCharacters(in: .whitespacesAndNewlines)
        switch (id, code?.isEmpty == false ? code : nil) {
        case (let id?, nil): return [.text(id), .null]
        case (nil, let code?): return [.null, .text(code)]
        default: throw .invalid("name the invitation by `invitation_id` or by `code` (one of them)")
        }
    }

    static func validateTeam(_ input: ActionInput) throws(FunctionError) {
        if let slug = try input.string("slug", maxLength: 50) {
            let allowed = slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            guard allowed, slug.count >= 3, slug.first != "-", slug.last != "-" else {
                throw .invalid("`slug` must be 3-50 lower-case letters, digits and dashes, not starting or ending with a dash")
            }
        }
        _ = try input.string("logo_url", maxLength: 2000)
        _ = try input.object("settings")
    }
}
