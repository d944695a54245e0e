/// The app's feature areas, for the schema inventory: each table of `public` belongs to one by
/// its name (an exact entry, else a name prefix), the other schemas are areas of their own, and
/// anything unknown is `Other`.
public enum FeatureArea: String, Sendable, CaseIterable, Comparable {
    case profilesAndCredits = "Profiles & credits"
    case visionBoards = "Vision boards"
    case habitsAndStreaks = "Habits & streaks"
    case coachAndKnowledge = "Coach & knowledge base"
    case printAndOrders = "Print & orders"
    case partners = "Partners"
    case teams = "Teams"
    case paymentsAndBank = "Payments & bank"
    case communications = "Communications"
    case auth = "Auth"
    case storage = "Storage"
    case `internal` = "Internal"
    case other = "Other"

    public static func < (lhs: FeatureArea, rhs: FeatureArea) -> Bool {
        lhs.rank < rhs.rank
    }

    /// Position in the report (the order of the cases).
    var rank: Int { Self.allCases.firstIndex(of: self) ?? Self.allCases.count }

    /// The area of `schema.table`.
    public static func of(schema: String, table: String) -> FeatureArea {
        switch schema {
        case "auth": return .auth
        case "storage": return .storage
        case "internal": return .internal
        default: break
        }
        if let area = byTable[table] { return area }
        return byPrefix.first { table.hasPrefix($0.prefix) }?.area ?? .other
    }

    static let byTable: [String: FeatureArea] = [
        "profiles": .profilesAndCredits, "credit_ledger": .profilesAndCredits,
        "vision_boards": .visionBoards, "reference_images": .visionBoards, "documents": .visionBoards,
        "action_tasks": .habitsAndStreaks, "habits": .habitsAndStreaks, "habit_completions": .habitsAndStreaks,
        "user_achievements": .habitsAndStreaks, "progress_predictions": .habitsAndStreaks, "weekly_reviews": .habitsAndStreaks,
        "agent_sessions": .coachAndKnowledge, "agent_messages": .coachAndKnowledge, "agent_actions": .coachAndKnowledge,
        "voice_coach_sessions": .coachAndKnowledge, "user_identity_profiles": .coachAndKnowledge,
        "motivational_themes": .coachAndKnowledge, "master_prompt_questions": .coachAndKnowledge,
        "poster_orders": .printAndOrders, "print_orders": .printAndOrders, "print_products": .printAndOrders,
        "workbook_templates": .printAndOrders, "workbook_orders": .printAndOrders, "workbook_sections": .printAndOrders,
        "partner_invitations": .partners, "partner_connections": .partners, "shared_goals": .partners,
        "teams": .teams, "team_members": .teams, "team_invitations": .teams, "team_leaderboards": .teams,
        "plaid_items": .paymentsAndBank,
        "user_comm_preferences": .communications, "scheduled_checkins": .communications,
        "slack_installations": .communications, "teams_installations": .communications,
    ]

    static let byPrefix: [(prefix: String, area: FeatureArea)] = [
        ("vision_", .visionBoards), ("habit", .habitsAndStreaks), ("agent_", .coachAndKnowledge),
        ("user_knowledge", .coachAndKnowledge), ("voice_", .coachAndKnowledge), ("print_", .printAndOrders),
        ("poster_", .printAndOrders), ("workbook_", .printAndOrders), ("partner_", .partners), ("team_", .teams),
        ("plaid_", .paymentsAndBank), ("payment", .paymentsAndBank), ("credit_", .profilesAndCredits),
    ]
}
