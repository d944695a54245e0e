import AIModels
import AppConfig
import Database
import Fulfilment
import Knowledge
import FunctionsAPI
import Payments
import Phone
import Plaid
import Slack
import StorageAPI
import Teams

/// The app's server-side operations as functions for the gateway, each acting with its
/// caller's rights through `runner` — but for texts, calls and phone verification (`phone`) and
/// bank links (`plaid`), the chat bots (`slack`, `teams`) and payments (`payments`), which act as the server for the user the
/// caller's token (or a verified link) names, and print fulfilment (`fulfilment`), which acts as the server once the
/// caller is shown to own the order, and the AI features (`ai`), which keep each user's quota
/// and credits as the server.
public enum DomainFunctions {
    public static func all(runner: APIRequestRunner, phone: PhoneService, plaid: PlaidService, slack: SlackService, teams: TeamsService, payments: PaymentService, printCallbacks: PrintStatusCallbacks, fulfilment: PrintFulfilment, knowledge: KnowledgeBase, storage: StorageService?, ai: AIProviders, aiSettings: AISettings, owner: SQLRunner, publicURL: String) -> [any EdgeFunction] {
        let database = CallerDatabase(runner: runner)
        let models = ModelAccess(providers: ai, settings: aiSettings, owner: owner)
        return [
            HabitService.function(database),
            Credits.function(database),
            PartnerCollaboration.function(database),
            TeamService.function(database),
            PrintProducts.function(database),
            WorkbookService.function(database),
            OnboardingThemes.function(database),
            AmiePromptBuilder.function(database, knowledge),
            Restore.function(database),
            KnowledgeIngest.function(knowledge, storage, database),
            KnowledgeBaseCompile.function(database),
            GeminiProxy(models: models, database: database, storage: storage, publicURL: publicURL).function,
            AgentChat(models: models, database: database, knowledge: knowledge).function,
            VoiceCoachSession(models: models, database: database, knowledge: knowledge).function,
            GenerateWeeklyReview(models: models, database: database, narrator: WeeklyReviewNarrator(chat: ai.chat, owner: owner)).function,
            SlackBot(slack: slack, database: database),
            TeamsBot(teams: teams, database: database),
        ] + PhoneFunctions.all(phone, database) + BankFunctions.all(plaid, database) + PaymentFunctions.all(payments, printCallbacks, database)
            + PrintFulfilmentFunctions.all(fulfilment, database) + AgentActions.all(database)
    }
}
