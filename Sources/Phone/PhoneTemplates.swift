/// The words of texts and calls the app asks for by template name (`send-sms` and `make-call`'s
/// `template` with `templateData`), filled from the data with a fallback for each missing value.
public enum PhoneTemplates {
    /// Template data: short strings by name, as the request gave them.
    public typealias Fields = [String: String]

    /// The text a template names, nil for a name that is not one.
    public static func text(_ name: String, _ fields: Fields) -> String? {
        texts[name].map { $0(Values(fields)) }
    }

    /// The words a call speaks for a template, nil for a name that is not one.
    public static func speech(_ name: String, _ fields: Fields) -> String? {
        speeches[name].map { $0(Values(fields)) }
    }

    public static var textNames: [String] { texts.keys.sorted() }
    public static var speechNames: [String] { speeches.keys.sorted() }

    /// Field lookup with a fallback: empty values read as missing.
    struct Values {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }

        subscript(_ name: String, or fallback: String) -> String {
            guard let value = fields[name], !value.isEmpty else { return fallback }
            return value
        }
    }

    static let texts: [String: @Sendable (Values) -> String] = [
        "habit_reminder": { v in
            "Hi \(v["name", or: "there"]), it's time for \"\(v["habitTitle", or: "your habit"])\". "
                + "You're on a \(v["streak", or: "0"])-day streak: keep it going!"
        },
        "streak_milestone": { v in
            "Well done, \(v["name", or: "you"]): \(v["streak", or: "many"]) days in a row on \"\(v["habitTitle", or: "your habit"])\". "
                + "Your vision is getting closer."
        },
        "weekly_review": { v in
            "Hi \(v["name", or: "there"]), your weekly review is ready: \(v["tasksCompleted", or: "0"]) tasks done and "
                + "\(v["habitRate", or: "0"])% of habits kept. \(v["reviewUrl", or: "Open Visionary to read it."])"
        },
        "milestone_reminder": { v in
            "\(v["name", or: "Hi"]), your milestone \"\(v["milestoneTitle", or: "ahead"])\" is \(v["daysUntil", or: "a few"]) days away. "
                + "Are you on track?"
        },
        "pace_warning": { v in
            "\(v["name", or: "Hi"]), at the current pace \"\(v["goalTitle", or: "your goal"])\" may slip by \(v["delayWeeks", or: "a few"]) weeks. "
                + "Open Visionary to adjust the plan with your coach."
        },
        "welcome": { v in
            "Welcome to Visionary, \(v["name", or: "friend"])! Your vision coach will check in with you here."
        },
        "daily_checkin": { v in
            "Good \(v["timeOfDay", or: "morning"]), \(v["name", or: "there"])! How do you feel about your vision today, from 1 to 5?"
        },
        "generic": { v in v["content", or: "A message from Visionary."] },
    ]

    static let speeches: [String: @Sendable (Values) -> String] = [
        "weekly_review": { v in
            var words = "Hi \(v["name", or: "there"]), this is your vision coach with your weekly check-in. "
                + "This week you finished \(v["tasksCompleted", or: "0"]) tasks and kept \(v["habitRate", or: "0"]) percent of your habits. "
            if let win = v.fields["wins"], !win.isEmpty { words += "Your biggest win: \(win). " }
            if let focus = v.fields["focus"], !focus.isEmpty { words += "Next week, focus on \(focus). " }
            return words + "Keep going toward \(v["dreamLocation", or: "your vision"])!"
        },
        "habit_reminder": { v in
            "Hello \(v["name", or: "there"]), a reminder from your vision coach: it's time for \(v["habitTitle", or: "your habit"]). "
                + "You are on a \(v["streak", or: "0"]) day streak. Keep it going!"
        },
        "milestone_celebration": { v in
            "Congratulations \(v["name", or: ""])! You reached a milestone: \(v["milestoneTitle", or: "a big one"]). "
                + "That is a real step toward \(v["dreamLocation", or: "your vision"]). Take a moment to celebrate."
        },
        "pace_warning": { v in
            "Hi \(v["name", or: "there"]), this is your vision coach. At the current pace, \(v["goalTitle", or: "your goal"]) "
                + "may slip by \(v["delayWeeks", or: "a few"]) weeks. Open Visionary and we will adjust the plan together."
        },
        "morning_motivation": { v in
            "Good morning \(v["name", or: ""])! Today is another step toward \(v["dreamLocation", or: "your vision"]). "
                + "Your top priority: \(v["topTask", or: "moving your plan forward"]). You've got this."
        },
        "welcome": { v in
            "Welcome to Visionary, \(v["name", or: "friend"])! I am your vision coach. I will cheer your wins and keep you on track."
        },
        "generic": { v in v["content", or: "Hello from Visionary. Your vision coach is here for you."] },
    ]
}
