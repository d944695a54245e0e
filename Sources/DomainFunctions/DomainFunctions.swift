import Database
import FunctionsAPI

/// The app's server-side operations as functions for the gateway, each acting with its
/// caller's rights through `runner`.
public enum DomainFunctions {
    public static func all(runner: APIRequestRunner) -> [any EdgeFunction] {
        let database = CallerDatabase(runner: runner)
        return [
            HabitService.function(database),
            Credits.function(database),
            PartnerCollaboration.function(database),
            TeamService.function(database),
            PrintProducts.function(database),
            WorkbookService.function(database),
            OnboardingThemes.function(database),
            AmiePromptBuilder.function(database),
            Restore.function(database),
        ]
    }
}
