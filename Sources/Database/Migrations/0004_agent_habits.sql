-- AI agent: sessions and messages, contact preferences, habits with maintained streaks, habit
-- completions, achievements, check-ins, agent actions, weekly reviews and progress predictions.
-- Spec: schema.md §3 (and §1 conventions, §8 F3-F6, T8).

---------------------------------------------------------------------------------------------------
-- agent_sessions
---------------------------------------------------------------------------------------------------
CREATE TABLE public.agent_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  session_type text CONSTRAINT agent_sessions_session_type_check CHECK (session_type IN ('voice', 'text', 'scheduled_call', 'push')),
  status text NOT NULL DEFAULT 'active'
    CONSTRAINT agent_sessions_status_check CHECK (status IN ('active', 'completed', 'abandoned')),
  context jsonb NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  summary text,
  sentiment_score double precision,
  action_items jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_sessions_user_id_idx ON public.agent_sessions (user_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.agent_sessions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.agent_sessions IS 'One conversation between a user and the AI coach.';
COMMENT ON COLUMN public.agent_sessions.id IS 'Primary key.';
COMMENT ON COLUMN public.agent_sessions.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.agent_sessions.session_type IS 'Channel of the conversation: voice, text, scheduled_call or push.';
COMMENT ON COLUMN public.agent_sessions.status IS 'active, completed or abandoned.';
COMMENT ON COLUMN public.agent_sessions.context IS 'Conversation context.';
COMMENT ON COLUMN public.agent_sessions.started_at IS 'Moment the conversation started.';
COMMENT ON COLUMN public.agent_sessions.ended_at IS 'Moment the conversation ended.';
COMMENT ON COLUMN public.agent_sessions.summary IS 'AI summary of the conversation.';
COMMENT ON COLUMN public.agent_sessions.sentiment_score IS 'Sentiment of the conversation as scored by the AI.';
COMMENT ON COLUMN public.agent_sessions.action_items IS 'Agreed follow-ups: [{type, description, completed}].';
COMMENT ON COLUMN public.agent_sessions.created_at IS 'Moment the row was created.';
COMMENT ON COLUMN public.agent_sessions.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.agent_sessions ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.agent_sessions FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.agent_sessions TO authenticated;
GRANT ALL ON public.agent_sessions TO service_role;

CREATE POLICY agent_sessions_select_own ON public.agent_sessions
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY agent_sessions_insert_own ON public.agent_sessions
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY agent_sessions_update_own ON public.agent_sessions
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY agent_sessions_delete_own ON public.agent_sessions
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- agent_messages (owner copied from the session)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.agent_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES public.agent_sessions (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role text CONSTRAINT agent_messages_role_check CHECK (role IN ('user', 'agent', 'system')),
  content text NOT NULL,
  content_type text NOT NULL DEFAULT 'text'
    CONSTRAINT agent_messages_content_type_check CHECK (content_type IN ('text', 'audio', 'action')),
  audio_url text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_messages_session_id_created_at_idx ON public.agent_messages (session_id, created_at);
CREATE INDEX agent_messages_user_id_idx ON public.agent_messages (user_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.agent_messages
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.agent_messages IS 'Single messages inside an agent session.';
COMMENT ON COLUMN public.agent_messages.id IS 'Primary key.';
COMMENT ON COLUMN public.agent_messages.session_id IS 'The session the message belongs to (deleted with it).';
COMMENT ON COLUMN public.agent_messages.user_id IS 'Owner, copied from the session by trigger (a client-supplied value is ignored).';
COMMENT ON COLUMN public.agent_messages.role IS 'Author: user, agent or system.';
COMMENT ON COLUMN public.agent_messages.content IS 'Message text (or transcript).';
COMMENT ON COLUMN public.agent_messages.content_type IS 'text, audio or action.';
COMMENT ON COLUMN public.agent_messages.audio_url IS 'URL of the recorded audio, for audio messages.';
COMMENT ON COLUMN public.agent_messages.metadata IS 'Extra message data.';
COMMENT ON COLUMN public.agent_messages.created_at IS 'Moment the message was written.';
COMMENT ON COLUMN public.agent_messages.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.agent_messages ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.agent_messages FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.agent_messages TO authenticated;
GRANT ALL ON public.agent_messages TO service_role;

CREATE POLICY agent_messages_select_own ON public.agent_messages
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY agent_messages_insert_own ON public.agent_messages
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY agent_messages_update_own ON public.agent_messages
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY agent_messages_delete_own ON public.agent_messages
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

-- Trigger (BEFORE INSERT OR UPDATE OF session_id, user_id): the message belongs to the session's
-- owner. An unknown session, or (for a request carrying a user) another user's session, is
-- reported as not found, so other users' sessions cannot even be probed.
CREATE FUNCTION internal.agent_message_owner() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_owner uuid;
BEGIN
  SELECT s.user_id INTO v_owner FROM public.agent_sessions s WHERE s.id = NEW.session_id;
  IF v_owner IS NULL OR v_owner IS DISTINCT FROM coalesce(auth.uid(), v_owner) THEN
    RAISE EXCEPTION 'agent session % not found', NEW.session_id USING ERRCODE = 'no_data_found';
  END IF;
  NEW.user_id := v_owner;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.agent_message_owner() FROM PUBLIC;
COMMENT ON FUNCTION internal.agent_message_owner() IS 'Trigger: copies agent_messages.user_id from the session; raises when the session does not exist or is not the caller''s.';

CREATE TRIGGER derive_owner BEFORE INSERT OR UPDATE OF session_id, user_id ON public.agent_messages
  FOR EACH ROW EXECUTE FUNCTION internal.agent_message_owner();

-- Trigger (AFTER UPDATE OF user_id on agent_sessions): a session handed to another user (server
-- only) takes its messages along.
CREATE FUNCTION internal.agent_session_owner_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NEW.user_id IS DISTINCT FROM OLD.user_id THEN
    UPDATE public.agent_messages SET user_id = NEW.user_id WHERE session_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.agent_session_owner_changed() FROM PUBLIC;
COMMENT ON FUNCTION internal.agent_session_owner_changed() IS 'Trigger: keeps agent_messages.user_id equal to the owner of their session.';

CREATE TRIGGER propagate_owner AFTER UPDATE OF user_id ON public.agent_sessions
  FOR EACH ROW EXECUTE FUNCTION internal.agent_session_owner_changed();

---------------------------------------------------------------------------------------------------
-- user_comm_preferences
---------------------------------------------------------------------------------------------------
CREATE TABLE public.user_comm_preferences (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE
    CONSTRAINT user_comm_preferences_user_id_key UNIQUE,
  phone_number text,
  phone_verified boolean NOT NULL DEFAULT false,
  preferred_channel text NOT NULL DEFAULT 'push'
    CONSTRAINT user_comm_preferences_preferred_channel_check CHECK (preferred_channel IN ('voice', 'sms', 'email', 'push', 'in_app')),
  preferred_times jsonb NOT NULL DEFAULT '{"morning": true, "afternoon": false, "evening": true}',
  timezone text NOT NULL DEFAULT 'America/New_York',
  weekly_review_day text NOT NULL DEFAULT 'sunday',
  weekly_review_time time NOT NULL DEFAULT '09:00',
  voice_enabled boolean NOT NULL DEFAULT true,
  call_enabled boolean NOT NULL DEFAULT false,
  quiet_hours jsonb NOT NULL DEFAULT '{"start": "22:00", "end": "07:00"}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.user_comm_preferences
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.user_comm_preferences IS 'How and when the agent may contact the user.';
COMMENT ON COLUMN public.user_comm_preferences.id IS 'Primary key.';
COMMENT ON COLUMN public.user_comm_preferences.user_id IS 'Owner (references auth.users, deleted with the user); one row per user.';
COMMENT ON COLUMN public.user_comm_preferences.phone_number IS 'Phone number for calls and SMS.';
COMMENT ON COLUMN public.user_comm_preferences.phone_verified IS 'Whether the phone number was verified.';
COMMENT ON COLUMN public.user_comm_preferences.preferred_channel IS 'Preferred channel: voice, sms, email, push or in_app.';
COMMENT ON COLUMN public.user_comm_preferences.preferred_times IS 'Parts of the day the user may be contacted: {morning, afternoon, evening}.';
COMMENT ON COLUMN public.user_comm_preferences.timezone IS 'IANA time zone name, validated against pg_timezone_names; defines the user''s local calendar day (habit_completions.completed_on).';
COMMENT ON COLUMN public.user_comm_preferences.weekly_review_day IS 'Lower-case weekday name of the weekly review.';
COMMENT ON COLUMN public.user_comm_preferences.weekly_review_time IS 'Local time of the weekly review.';
COMMENT ON COLUMN public.user_comm_preferences.voice_enabled IS 'Whether voice interactions are enabled.';
COMMENT ON COLUMN public.user_comm_preferences.call_enabled IS 'Whether the agent may place phone calls.';
COMMENT ON COLUMN public.user_comm_preferences.quiet_hours IS 'Local hours without contact: {start, end}.';
COMMENT ON COLUMN public.user_comm_preferences.created_at IS 'Moment the row was created.';
COMMENT ON COLUMN public.user_comm_preferences.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.user_comm_preferences ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.user_comm_preferences FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.user_comm_preferences TO authenticated;
GRANT ALL ON public.user_comm_preferences TO service_role;

CREATE POLICY user_comm_preferences_select_own ON public.user_comm_preferences
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY user_comm_preferences_insert_own ON public.user_comm_preferences
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_comm_preferences_update_own ON public.user_comm_preferences
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_comm_preferences_delete_own ON public.user_comm_preferences
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

-- Trigger (BEFORE INSERT OR UPDATE OF timezone): only IANA zone names known to the server.
CREATE FUNCTION internal.validate_timezone() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = NEW.timezone) THEN
    RAISE EXCEPTION 'unknown time zone "%"', NEW.timezone
      USING ERRCODE = 'check_violation', HINT = 'Use an IANA time zone name such as Europe/Paris.';
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.validate_timezone() FROM PUBLIC;
COMMENT ON FUNCTION internal.validate_timezone() IS 'Trigger: refuses user_comm_preferences.timezone values that are not IANA zone names.';

CREATE TRIGGER validate_timezone BEFORE INSERT OR UPDATE OF timezone ON public.user_comm_preferences
  FOR EACH ROW EXECUTE FUNCTION internal.validate_timezone();

-- The user's time zone for calendar days: their preference, UTC when they have none.
CREATE FUNCTION internal.user_timezone(p_user_id uuid) RETURNS text
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce((SELECT p.timezone FROM public.user_comm_preferences p WHERE p.user_id = p_user_id), 'UTC')
$$;
REVOKE EXECUTE ON FUNCTION internal.user_timezone(uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.user_timezone(uuid) IS 'A user''s time zone (user_comm_preferences.timezone, else UTC); for the streak functions, not granted to API roles.';

---------------------------------------------------------------------------------------------------
-- habits
---------------------------------------------------------------------------------------------------
CREATE TABLE public.habits (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  task_id uuid REFERENCES public.action_tasks (id) ON DELETE SET NULL,
  title text NOT NULL,
  description text,
  frequency text NOT NULL DEFAULT 'daily'
    CONSTRAINT habits_frequency_check CHECK (frequency IN ('daily', 'weekly', 'weekdays', 'custom')),
  custom_days jsonb NOT NULL DEFAULT '[]'
    CONSTRAINT habits_custom_days_check CHECK (jsonb_typeof(custom_days) = 'array' AND custom_days <@ '[0,1,2,3,4,5,6]'),
  reminder_time time,
  is_active boolean NOT NULL DEFAULT true,
  current_streak integer NOT NULL DEFAULT 0 CONSTRAINT habits_current_streak_check CHECK (current_streak >= 0),
  longest_streak integer NOT NULL DEFAULT 0 CONSTRAINT habits_longest_streak_check CHECK (longest_streak >= current_streak),
  last_completed timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT habits_custom_days_required CHECK (frequency <> 'custom' OR jsonb_array_length(custom_days) > 0)
);
CREATE INDEX habits_user_id_idx ON public.habits (user_id);
CREATE INDEX habits_user_id_active_idx ON public.habits (user_id) WHERE is_active;
CREATE INDEX habits_task_id_idx ON public.habits (task_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.habits
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.habits IS 'Recurring micro-actions tied to the user''s goals, with maintained streak counters.';
COMMENT ON COLUMN public.habits.id IS 'Primary key.';
COMMENT ON COLUMN public.habits.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.habits.task_id IS 'The owner''s action-plan task this habit serves; cleared if the task is deleted.';
COMMENT ON COLUMN public.habits.title IS 'Habit title.';
COMMENT ON COLUMN public.habits.description IS 'Habit details.';
COMMENT ON COLUMN public.habits.frequency IS 'daily, weekly (ISO weeks), weekdays (Monday-Friday) or custom (the weekdays in custom_days).';
COMMENT ON COLUMN public.habits.custom_days IS 'Weekday numbers 0-6 (0 = Sunday) of a custom habit; non-empty when frequency is custom.';
COMMENT ON COLUMN public.habits.reminder_time IS 'Local reminder time.';
COMMENT ON COLUMN public.habits.is_active IS 'False when archived (the client''s "delete").';
COMMENT ON COLUMN public.habits.current_streak IS 'Consecutive scheduled periods completed up to now (an unfinished current period does not break it); maintained by trigger.';
COMMENT ON COLUMN public.habits.longest_streak IS 'Longest run of consecutive scheduled periods completed in the habit''s history; maintained by trigger.';
COMMENT ON COLUMN public.habits.last_completed IS 'Latest habit_completions.completed_at (NULL when there is none); maintained by trigger.';
COMMENT ON COLUMN public.habits.created_at IS 'Moment the habit was created.';
COMMENT ON COLUMN public.habits.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.habits ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.habits FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE ON public.habits TO authenticated;
GRANT INSERT (id, user_id, task_id, title, description, frequency, custom_days, reminder_time, is_active, created_at, updated_at),
      UPDATE (id, user_id, task_id, title, description, frequency, custom_days, reminder_time, is_active, created_at, updated_at)
  ON public.habits TO authenticated;
GRANT ALL ON public.habits TO service_role;

CREATE POLICY habits_select_own ON public.habits
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY habits_insert_own ON public.habits
  FOR INSERT TO authenticated
  WITH CHECK (
    user_id = (select auth.uid())
    AND (task_id IS NULL OR EXISTS (
      SELECT 1 FROM public.action_tasks t WHERE t.id = task_id AND t.user_id = (select auth.uid())))
  );
CREATE POLICY habits_update_own ON public.habits
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()))
  WITH CHECK (
    user_id = (select auth.uid())
    AND (task_id IS NULL OR EXISTS (
      SELECT 1 FROM public.action_tasks t WHERE t.id = task_id AND t.user_id = (select auth.uid())))
  );
CREATE POLICY habits_delete_own ON public.habits
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- habit_completions (owner copied from the habit; completed_on = the owner's local day)
---------------------------------------------------------------------------------------------------
CREATE TABLE public.habit_completions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  habit_id uuid NOT NULL REFERENCES public.habits (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  completed_at timestamptz NOT NULL DEFAULT now(),
  completed_on date NOT NULL,
  notes text,
  mood_rating integer CONSTRAINT habit_completions_mood_rating_check CHECK (mood_rating BETWEEN 1 AND 5),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT habit_completions_habit_id_completed_on_key UNIQUE (habit_id, completed_on)
);
CREATE INDEX habit_completions_habit_id_completed_at_idx ON public.habit_completions (habit_id, completed_at DESC);
CREATE INDEX habit_completions_user_id_completed_on_idx ON public.habit_completions (user_id, completed_on);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.habit_completions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.habit_completions IS 'One completion of a habit on one local calendar day.';
COMMENT ON COLUMN public.habit_completions.id IS 'Primary key.';
COMMENT ON COLUMN public.habit_completions.habit_id IS 'The completed habit (deleted with it).';
COMMENT ON COLUMN public.habit_completions.user_id IS 'Owner, copied from the habit by trigger (a client-supplied value is ignored).';
COMMENT ON COLUMN public.habit_completions.completed_at IS 'Exact moment of completion.';
COMMENT ON COLUMN public.habit_completions.completed_on IS 'The owner''s local calendar day checked off: derived from completed_at in the owner''s time zone (UTC without preferences) unless given; end users may give a past day up to 7 days back, never a future one.';
COMMENT ON COLUMN public.habit_completions.notes IS 'User''s notes on this completion.';
COMMENT ON COLUMN public.habit_completions.mood_rating IS 'Mood from 1 to 5.';
COMMENT ON COLUMN public.habit_completions.created_at IS 'Moment the row was created.';
COMMENT ON COLUMN public.habit_completions.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.habit_completions ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.habit_completions FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, DELETE ON public.habit_completions TO authenticated;
GRANT UPDATE (notes, mood_rating) ON public.habit_completions TO authenticated;
GRANT ALL ON public.habit_completions TO service_role;

CREATE POLICY habit_completions_select_own ON public.habit_completions
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY habit_completions_insert_own ON public.habit_completions
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY habit_completions_update_own ON public.habit_completions
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY habit_completions_delete_own ON public.habit_completions
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

-- Trigger (BEFORE INSERT OR UPDATE OF habit_id, user_id, completed_at, completed_on; fires first):
-- the completion belongs to the habit's owner; completed_on, when not given (or when only
-- completed_at changes), is the owner's local day of completed_at. An unknown habit, or (for a
-- request carrying a user) another user's habit, is reported as not found.
CREATE FUNCTION internal.habit_completion_owner() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_owner uuid;
BEGIN
  SELECT h.user_id INTO v_owner FROM public.habits h WHERE h.id = NEW.habit_id;
  IF v_owner IS NULL OR v_owner IS DISTINCT FROM coalesce(auth.uid(), v_owner) THEN
    RAISE EXCEPTION 'habit % not found', NEW.habit_id USING ERRCODE = 'no_data_found';
  END IF;
  NEW.user_id := v_owner;
  IF NEW.completed_on IS NULL
     OR (TG_OP = 'UPDATE' AND NEW.completed_at IS DISTINCT FROM OLD.completed_at
         AND NEW.completed_on IS NOT DISTINCT FROM OLD.completed_on) THEN
    NEW.completed_on := (NEW.completed_at AT TIME ZONE internal.user_timezone(v_owner))::date;
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_completion_owner() FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_completion_owner() IS 'Trigger: copies habit_completions.user_id from the habit and fills completed_on from completed_at in the owner''s time zone.';

-- Trigger (BEFORE INSERT OR UPDATE OF ..., fires second): an end user may check off today or one
-- of the 7 days before it (the owner's local days), never a future day. Privileged callers (the
-- server, imports) are not limited. SECURITY INVOKER, for the privileged-caller test.
CREATE FUNCTION internal.habit_completion_day_rules() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_today date;
BEGIN
  IF internal.is_privileged_caller() THEN
    RETURN NEW;
  END IF;
  -- The owner is the caller here (derive_owner_and_day made sure), so the row is visible.
  SELECT (now() AT TIME ZONE coalesce(
            (SELECT p.timezone FROM public.user_comm_preferences p WHERE p.user_id = NEW.user_id), 'UTC'))::date
    INTO v_today;
  IF NEW.completed_on > v_today THEN
    RAISE EXCEPTION 'cannot check off % : it is a future day (today is %)', NEW.completed_on, v_today
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.completed_on < v_today - 7 THEN
    RAISE EXCEPTION 'cannot check off % : only the last 7 days can be checked off (today is %)', NEW.completed_on, v_today
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_completion_day_rules() FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_completion_day_rules() IS 'Trigger: end users may check off only today or the 7 days before (owner''s local days).';

-- Trigger names fire in alphabetical order: derive_owner_and_day, then enforce_day_rules.
CREATE TRIGGER derive_owner_and_day
  BEFORE INSERT OR UPDATE OF habit_id, user_id, completed_at, completed_on ON public.habit_completions
  FOR EACH ROW EXECUTE FUNCTION internal.habit_completion_owner();
CREATE TRIGGER enforce_day_rules
  BEFORE INSERT OR UPDATE OF habit_id, user_id, completed_at, completed_on ON public.habit_completions
  FOR EACH ROW EXECUTE FUNCTION internal.habit_completion_day_rules();

-- Trigger (AFTER UPDATE OF user_id on habits): a habit handed to another user (server only) takes
-- its completions along.
CREATE FUNCTION internal.habit_owner_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NEW.user_id IS DISTINCT FROM OLD.user_id THEN
    UPDATE public.habit_completions SET user_id = NEW.user_id WHERE habit_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_owner_changed() FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_owner_changed() IS 'Trigger: keeps habit_completions.user_id equal to the owner of their habit.';

CREATE TRIGGER propagate_owner AFTER UPDATE OF user_id ON public.habits
  FOR EACH ROW EXECUTE FUNCTION internal.habit_owner_changed();

---------------------------------------------------------------------------------------------------
-- user_achievements
---------------------------------------------------------------------------------------------------
CREATE TABLE public.user_achievements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  achievement_type text NOT NULL
    CONSTRAINT user_achievements_achievement_type_check CHECK (achievement_type IN ('streak', 'badge', 'level')),
  achievement_key text NOT NULL,
  value integer NOT NULL DEFAULT 1,
  earned_at timestamptz NOT NULL DEFAULT now(),
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT user_achievements_user_id_achievement_key_key UNIQUE (user_id, achievement_key)
);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.user_achievements
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.user_achievements IS 'Badges, streak records and levels earned by the user.';
COMMENT ON COLUMN public.user_achievements.id IS 'Primary key.';
COMMENT ON COLUMN public.user_achievements.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.user_achievements.achievement_type IS 'streak, badge or level.';
COMMENT ON COLUMN public.user_achievements.achievement_key IS 'What was achieved, unique per user: e.g. habit_streak_<habit id>, 7_day_streak, first_vision.';
COMMENT ON COLUMN public.user_achievements.value IS 'Streak length, level, or 1 for badges.';
COMMENT ON COLUMN public.user_achievements.earned_at IS 'Moment the achievement was first earned.';
COMMENT ON COLUMN public.user_achievements.metadata IS 'Extra data, e.g. {"habit_id": ...} for streak badges.';
COMMENT ON COLUMN public.user_achievements.created_at IS 'Moment the row was created.';
COMMENT ON COLUMN public.user_achievements.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.user_achievements ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.user_achievements FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.user_achievements TO authenticated;
GRANT ALL ON public.user_achievements TO service_role;

CREATE POLICY user_achievements_select_own ON public.user_achievements
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY user_achievements_insert_own ON public.user_achievements
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_achievements_update_own ON public.user_achievements
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY user_achievements_delete_own ON public.user_achievements
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- Streaks (schema.md §3.4)
--
-- Periods are numbered so that consecutive scheduled periods have consecutive numbers:
-- * weekly: ISO weeks, numbered from Monday 2000-01-03;
-- * daily / weekdays / custom: scheduled calendar days, numbered through the weeks (starting
--   Sunday 2000-01-02) as week * (scheduled days per week) + rank of the weekday in the schedule.
-- A streak is then a run of consecutive numbers among the periods that have a completion, and
-- unscheduled days simply have no number of their own.
---------------------------------------------------------------------------------------------------

-- Sorted scheduled weekdays (0 = Sunday) of a habit; all seven for daily and weekly habits.
CREATE FUNCTION internal.habit_scheduled_days(p_frequency text, p_custom_days jsonb) RETURNS integer[]
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE p_frequency
    WHEN 'weekdays' THEN ARRAY[1, 2, 3, 4, 5]
    WHEN 'custom' THEN (
      SELECT coalesce(array_agg(DISTINCT d.n::integer ORDER BY d.n::integer), '{}')
        FROM (SELECT CASE WHEN jsonb_typeof(e.v) = 'number' THEN (e.v #>> '{}')::numeric END AS n
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p_custom_days) = 'array'
                                               THEN p_custom_days ELSE '[]'::jsonb END) AS e (v)) d
       WHERE d.n IN (0, 1, 2, 3, 4, 5, 6))
    ELSE ARRAY[0, 1, 2, 3, 4, 5, 6]
  END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_scheduled_days(text, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_scheduled_days(text, jsonb) IS 'Streaks: the sorted weekday numbers (0 = Sunday) on which a habit is scheduled.';

-- Number of the latest scheduled period that starts on or before p_day (for a scheduled day or a
-- weekly habit: the period containing p_day). NULL when nothing is scheduled.
CREATE FUNCTION internal.habit_period_index(p_frequency text, p_days integer[], p_day date) RETURNS bigint
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE
    WHEN p_frequency = 'weekly' THEN floor((p_day - date '2000-01-03') / 7.0)::bigint
    WHEN coalesce(cardinality(p_days), 0) = 0 THEN NULL
    ELSE floor((p_day - date '2000-01-02') / 7.0)::bigint * cardinality(p_days)
         + (SELECT count(*) FROM unnest(p_days) AS s (d) WHERE s.d <= extract(dow FROM p_day)) - 1
  END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_period_index(text, integer[], date) FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_period_index(text, integer[], date) IS 'Streaks: number of the latest scheduled period starting on or before a day.';

-- First day of period number p_index (the inverse of habit_period_index).
CREATE FUNCTION internal.habit_period_start(p_frequency text, p_days integer[], p_index bigint) RETURNS date
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE
    WHEN p_frequency = 'weekly' THEN date '2000-01-03' + (7 * p_index)::integer
    WHEN coalesce(cardinality(p_days), 0) = 0 THEN NULL
    ELSE date '2000-01-02' + (7 * floor(p_index::numeric / cardinality(p_days)))::integer
         + p_days[(p_index - cardinality(p_days) * floor(p_index::numeric / cardinality(p_days)))::integer + 1]
  END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_period_start(text, integer[], bigint) FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_period_start(text, integer[], bigint) IS 'Streaks: first day of a numbered period.';

-- Whether a completion on p_day counts at all (weekly: always; otherwise a scheduled weekday).
CREATE FUNCTION internal.habit_is_scheduled(p_frequency text, p_days integer[], p_day date) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT p_frequency = 'weekly' OR extract(dow FROM p_day)::integer = ANY (p_days)
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_is_scheduled(text, integer[], date) FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_is_scheduled(text, integer[], date) IS 'Streaks: whether a day is scheduled for the habit (every day for weekly habits).';

-- Whether period number p_index of a habit has a completion (one index probe; p_except excluded).
CREATE FUNCTION internal.habit_period_hit(p_habit_id uuid, p_frequency text, p_days integer[], p_index bigint, p_except uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.habit_completions c
     WHERE c.habit_id = p_habit_id
       AND c.completed_on BETWEEN internal.habit_period_start(p_frequency, p_days, p_index)
                              AND internal.habit_period_start(p_frequency, p_days, p_index)
                                  + CASE WHEN p_frequency = 'weekly' THEN 6 ELSE 0 END
       AND c.id IS DISTINCT FROM p_except)
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_period_hit(uuid, text, integer[], bigint, uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_period_hit(uuid, text, integer[], bigint, uuid) IS 'Streaks: whether a numbered period of a habit has a completion.';

-- The streak rules applied to a habit's whole history, for the given frequency and local today.
CREATE FUNCTION internal.habit_streak_stats(
  p_habit_id uuid, p_frequency text, p_custom_days jsonb, p_today date,
  OUT current_streak integer, OUT longest_streak integer, OUT last_completed timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
  v_days integer[] := internal.habit_scheduled_days(p_frequency, p_custom_days);
  v_now_index bigint := internal.habit_period_index(p_frequency, v_days, p_today);
  v_today_scheduled boolean := internal.habit_is_scheduled(p_frequency, v_days, p_today);
BEGIN
  SELECT max(c.completed_at) INTO last_completed
    FROM public.habit_completions c WHERE c.habit_id = p_habit_id;

  WITH hits AS (
    SELECT DISTINCT internal.habit_period_index(p_frequency, v_days, c.completed_on) AS idx
      FROM public.habit_completions c
     WHERE c.habit_id = p_habit_id
       AND internal.habit_is_scheduled(p_frequency, v_days, c.completed_on)
  ), runs AS (
    SELECT min(g.idx) AS first_idx, max(g.idx) AS last_idx
      FROM (SELECT h.idx, h.idx - row_number() OVER (ORDER BY h.idx) AS grp FROM hits h) g
     GROUP BY g.grp
  ), start AS (
    -- The count starts at the current period; when today is scheduled and not done yet, it
    -- starts at the period before (an unfinished period does not break the streak).
    SELECT CASE
             WHEN v_today_scheduled AND NOT EXISTS (SELECT 1 FROM hits WHERE hits.idx = v_now_index)
             THEN v_now_index - 1
             ELSE v_now_index
           END AS idx
  )
  SELECT coalesce(max(r.last_idx - r.first_idx + 1), 0)::integer,
         coalesce(max(s.idx - r.first_idx + 1) FILTER (WHERE s.idx BETWEEN r.first_idx AND r.last_idx), 0)::integer
    INTO longest_streak, current_streak
    FROM runs r CROSS JOIN start s;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_streak_stats(uuid, text, jsonb, date) FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_streak_stats(uuid, text, jsonb, date) IS 'Streaks: current and longest streak and last completion of a habit, computed from its whole history.';

-- Full recomputation of one habit's counters (locks the habit). NULL when the habit is gone.
CREATE FUNCTION internal.habit_recalculate(p_habit_id uuid) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_habit public.habits%ROWTYPE;
  v_stats record;
BEGIN
  SELECT * INTO v_habit FROM public.habits h WHERE h.id = p_habit_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v_stats FROM internal.habit_streak_stats(
    v_habit.id, v_habit.frequency, v_habit.custom_days,
    (now() AT TIME ZONE internal.user_timezone(v_habit.user_id))::date);
  UPDATE public.habits h
     SET current_streak = v_stats.current_streak,
         longest_streak = v_stats.longest_streak,
         last_completed = v_stats.last_completed
   WHERE h.id = v_habit.id
     AND (h.current_streak, h.longest_streak, h.last_completed)
         IS DISTINCT FROM (v_stats.current_streak, v_stats.longest_streak, v_stats.last_completed);
  RETURN v_stats.current_streak;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_recalculate(uuid) FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_recalculate(uuid) IS 'Streaks: recomputes a habit''s counters from its history; NULL when the habit does not exist.';

CREATE FUNCTION public.recalculate_habit_streak(p_habit_id uuid) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_current integer := internal.habit_recalculate(p_habit_id);
BEGIN
  IF v_current IS NULL THEN
    RAISE EXCEPTION 'habit % not found', p_habit_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN v_current;
END
$$;
REVOKE EXECUTE ON FUNCTION public.recalculate_habit_streak(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.recalculate_habit_streak(uuid) TO service_role;
COMMENT ON FUNCTION public.recalculate_habit_streak(uuid) IS 'Server only: recomputes a habit''s current_streak, longest_streak and last_completed from its history; returns the current streak.';

-- A habit got completions: the O(1) path for a single completion of the current period (extend
-- from the previous scheduled period, or restart), else a full recomputation; then the streak
-- record and the 7/30/100-day badges in user_achievements.
CREATE FUNCTION internal.habit_record_completion(p_habit_id uuid, p_completion_id uuid, p_completed_on date, p_completed_at timestamptz)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_habit public.habits%ROWTYPE;
  v_days integer[];
  v_today date;
  v_now_index bigint;
  v_current integer;
  v_incremental boolean := false;
BEGIN
  -- The lock serializes concurrent completions of one habit; the checks below then see them.
  SELECT * INTO v_habit FROM public.habits h WHERE h.id = p_habit_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;

  v_days := internal.habit_scheduled_days(v_habit.frequency, v_habit.custom_days);
  v_today := (now() AT TIME ZONE internal.user_timezone(v_habit.user_id))::date;
  v_now_index := internal.habit_period_index(v_habit.frequency, v_days, v_today);
  -- The stored counters can be extended only when no completion lies beyond the current period
  -- (future days can be written by the server only; then the longest run must be recomputed).
  IF p_completion_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM public.habit_completions c
        WHERE c.habit_id = v_habit.id
          AND c.completed_on > CASE WHEN v_habit.frequency = 'weekly'
                                    THEN internal.habit_period_start(v_habit.frequency, v_days, v_now_index) + 6
                                    ELSE v_today END) THEN
    IF v_habit.frequency = 'weekly' THEN
      IF internal.habit_period_index(v_habit.frequency, v_days, p_completed_on) = v_now_index THEN
        v_incremental := true;
        IF internal.habit_period_hit(v_habit.id, v_habit.frequency, v_days, v_now_index, p_completion_id) THEN
          v_current := v_habit.current_streak;          -- this week was already counted
        ELSIF internal.habit_period_hit(v_habit.id, v_habit.frequency, v_days, v_now_index - 1) THEN
          v_current := v_habit.current_streak + 1;      -- extends the run through last week
        ELSE
          v_current := 1;
        END IF;
      END IF;
    ELSIF p_completed_on = v_today THEN
      v_incremental := true;
      IF internal.habit_is_scheduled(v_habit.frequency, v_days, v_today) THEN
        IF internal.habit_period_hit(v_habit.id, v_habit.frequency, v_days, v_now_index - 1) THEN
          v_current := v_habit.current_streak + 1;
        ELSE
          v_current := 1;
        END IF;
      ELSE
        -- Unscheduled today: counts for nothing; the streak stands if the last scheduled day was done.
        IF internal.habit_period_hit(v_habit.id, v_habit.frequency, v_days, v_now_index) THEN
          v_current := v_habit.current_streak;
        ELSE
          v_current := 0;
        END IF;
      END IF;
    END IF;
  END IF;

  IF v_incremental THEN
    UPDATE public.habits h
       SET current_streak = v_current,
           longest_streak = greatest(h.longest_streak, v_current),
           last_completed = greatest(h.last_completed, p_completed_at)
     WHERE h.id = v_habit.id;
  ELSE
    v_current := internal.habit_recalculate(v_habit.id);
  END IF;

  INSERT INTO public.user_achievements (user_id, achievement_type, achievement_key, value, metadata)
  VALUES (v_habit.user_id, 'streak', 'habit_streak_' || v_habit.id, v_current,
          jsonb_build_object('habit_id', v_habit.id))
  ON CONFLICT (user_id, achievement_key)
  DO UPDATE SET value = EXCLUDED.value, achievement_type = EXCLUDED.achievement_type;

  INSERT INTO public.user_achievements (user_id, achievement_type, achievement_key, value, metadata)
  SELECT v_habit.user_id, 'badge', b.days || '_day_streak', 1, jsonb_build_object('habit_id', v_habit.id)
    FROM (VALUES (7), (30), (100)) AS b (days)
   WHERE v_current >= b.days
  ON CONFLICT (user_id, achievement_key) DO NOTHING;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_record_completion(uuid, uuid, date, timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_record_completion(uuid, uuid, date, timestamptz) IS 'Streaks: updates a habit after new completions (O(1) for one completion of the current period) and records streak achievements and badges.';

-- Trigger (AFTER INSERT, per statement): each habit that got completions is updated once; a
-- habit that got a single completion may take the O(1) path.
CREATE FUNCTION internal.habit_completions_added() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT a.habit_id, count(*) AS n,
           (array_agg(a.id))[1] AS id, (array_agg(a.completed_on))[1] AS completed_on,
           (array_agg(a.completed_at))[1] AS completed_at
      FROM added a
     GROUP BY a.habit_id
     ORDER BY a.habit_id
  LOOP
    IF r.n = 1 THEN
      PERFORM internal.habit_record_completion(r.habit_id, r.id, r.completed_on, r.completed_at);
    ELSE
      PERFORM internal.habit_record_completion(r.habit_id, NULL, NULL, NULL);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_completions_added() FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_completions_added() IS 'Trigger: streak bookkeeping after completions are inserted.';

-- Trigger (AFTER DELETE, per statement): the habits that lost completions are recomputed.
CREATE FUNCTION internal.habit_completions_removed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT DISTINCT d.habit_id FROM removed d ORDER BY d.habit_id LOOP
    PERFORM internal.habit_recalculate(r.habit_id);
  END LOOP;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_completions_removed() FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_completions_removed() IS 'Trigger: recomputes the streaks of habits whose completions were deleted.';

-- Trigger (AFTER UPDATE OF habit_id, completed_at, completed_on, per row): recompute the old and
-- the new habit.
CREATE FUNCTION internal.habit_completion_moved() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF OLD.habit_id IS DISTINCT FROM NEW.habit_id THEN
    PERFORM internal.habit_recalculate(h.id)
       FROM (SELECT unnest(ARRAY[OLD.habit_id, NEW.habit_id]) AS id ORDER BY 1) h;
  ELSIF OLD.completed_at IS DISTINCT FROM NEW.completed_at OR OLD.completed_on IS DISTINCT FROM NEW.completed_on THEN
    PERFORM internal.habit_recalculate(NEW.habit_id);
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_completion_moved() FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_completion_moved() IS 'Trigger: recomputes streaks when a completion moves to another habit or day.';

CREATE TRIGGER track_streak_insert AFTER INSERT ON public.habit_completions
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION internal.habit_completions_added();
CREATE TRIGGER track_streak_delete AFTER DELETE ON public.habit_completions
  REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION internal.habit_completions_removed();
CREATE TRIGGER track_streak_update AFTER UPDATE OF habit_id, completed_at, completed_on ON public.habit_completions
  FOR EACH ROW EXECUTE FUNCTION internal.habit_completion_moved();

-- Trigger (BEFORE UPDATE OF frequency, custom_days on habits): a new schedule re-applies the
-- streak rules to the history within the updating statement.
CREATE FUNCTION internal.habit_schedule_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_stats record;
BEGIN
  IF NEW.frequency IS DISTINCT FROM OLD.frequency OR NEW.custom_days IS DISTINCT FROM OLD.custom_days THEN
    SELECT * INTO v_stats FROM internal.habit_streak_stats(
      NEW.id, NEW.frequency, NEW.custom_days,
      (now() AT TIME ZONE internal.user_timezone(NEW.user_id))::date);
    NEW.current_streak := v_stats.current_streak;
    NEW.longest_streak := v_stats.longest_streak;
    NEW.last_completed := v_stats.last_completed;
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_schedule_changed() FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_schedule_changed() IS 'Trigger: recomputes a habit''s streaks under its new frequency or custom days.';

CREATE TRIGGER recompute_streaks BEFORE UPDATE OF frequency, custom_days ON public.habits
  FOR EACH ROW EXECUTE FUNCTION internal.habit_schedule_changed();

-- Daily job: streaks whose last required period passed without a completion drop to 0 (the
-- habits are recomputed). Returns the number of habits changed.
CREATE FUNCTION public.refresh_habit_streaks() RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  r record;
  v_changed integer := 0;
BEGIN
  FOR r IN
    SELECT h.id, h.current_streak
      FROM public.habits h
      CROSS JOIN LATERAL (
        SELECT internal.habit_scheduled_days(h.frequency, h.custom_days) AS days,
               (now() AT TIME ZONE internal.user_timezone(h.user_id))::date AS today) x
      CROSS JOIN LATERAL (
        SELECT internal.habit_period_index(h.frequency, x.days, x.today) AS now_index) y
     WHERE h.current_streak > 0
       -- lapsed: neither the current period nor (when today is scheduled) the one before is done
       AND NOT internal.habit_period_hit(h.id, h.frequency, x.days, y.now_index)
       AND NOT (internal.habit_is_scheduled(h.frequency, x.days, x.today)
                AND internal.habit_period_hit(h.id, h.frequency, x.days, y.now_index - 1))
     ORDER BY h.id
  LOOP
    IF internal.habit_recalculate(r.id) IS DISTINCT FROM r.current_streak THEN
      v_changed := v_changed + 1;
    END IF;
  END LOOP;
  RETURN v_changed;
END
$$;
REVOKE EXECUTE ON FUNCTION public.refresh_habit_streaks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.refresh_habit_streaks() TO service_role;
COMMENT ON FUNCTION public.refresh_habit_streaks() IS 'Server only (daily job): resets the current streaks that lapsed without a new completion; returns the number of habits changed.';

---------------------------------------------------------------------------------------------------
-- scheduled_checkins
---------------------------------------------------------------------------------------------------
CREATE TABLE public.scheduled_checkins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  checkin_type text
    CONSTRAINT scheduled_checkins_checkin_type_check CHECK (checkin_type IN ('weekly_review', 'daily_habit', 'milestone_reminder', 'custom')),
  scheduled_for timestamptz NOT NULL,
  channel text NOT NULL DEFAULT 'push'
    CONSTRAINT scheduled_checkins_channel_check CHECK (channel IN ('voice', 'sms', 'email', 'push', 'call')),
  status text NOT NULL DEFAULT 'pending'
    CONSTRAINT scheduled_checkins_status_check CHECK (status IN ('pending', 'sent', 'completed', 'failed', 'skipped')),
  content jsonb NOT NULL DEFAULT '{}',
  response jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduled_checkins_user_id_scheduled_for_idx ON public.scheduled_checkins (user_id, scheduled_for);
CREATE INDEX scheduled_checkins_status_scheduled_for_idx ON public.scheduled_checkins (status, scheduled_for);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.scheduled_checkins
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.scheduled_checkins IS 'Proactive contacts the agent has planned for the user.';
COMMENT ON COLUMN public.scheduled_checkins.id IS 'Primary key.';
COMMENT ON COLUMN public.scheduled_checkins.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.scheduled_checkins.checkin_type IS 'weekly_review, daily_habit, milestone_reminder or custom.';
COMMENT ON COLUMN public.scheduled_checkins.scheduled_for IS 'Moment the contact is due.';
COMMENT ON COLUMN public.scheduled_checkins.channel IS 'Channel of the contact: voice, sms, email, push or call.';
COMMENT ON COLUMN public.scheduled_checkins.status IS 'pending, sent, completed, failed or skipped.';
COMMENT ON COLUMN public.scheduled_checkins.content IS 'Message payload.';
COMMENT ON COLUMN public.scheduled_checkins.response IS 'The user''s reply.';
COMMENT ON COLUMN public.scheduled_checkins.created_at IS 'Moment the check-in was planned.';
COMMENT ON COLUMN public.scheduled_checkins.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.scheduled_checkins ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.scheduled_checkins FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.scheduled_checkins TO authenticated;
GRANT ALL ON public.scheduled_checkins TO service_role;

CREATE POLICY scheduled_checkins_select_own ON public.scheduled_checkins
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY scheduled_checkins_insert_own ON public.scheduled_checkins
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY scheduled_checkins_update_own ON public.scheduled_checkins
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY scheduled_checkins_delete_own ON public.scheduled_checkins
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- agent_actions
---------------------------------------------------------------------------------------------------
CREATE TABLE public.agent_actions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  action_type text NOT NULL,
  action_status text NOT NULL DEFAULT 'pending'
    CONSTRAINT agent_actions_action_status_check CHECK (action_status IN ('pending', 'in_progress', 'completed', 'failed', 'cancelled')),
  input_params jsonb NOT NULL DEFAULT '{}',
  output_result jsonb NOT NULL DEFAULT '{}',
  requires_approval boolean NOT NULL DEFAULT true,
  approved_at timestamptz,
  executed_at timestamptz,
  error_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_actions_user_id_idx ON public.agent_actions (user_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.agent_actions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.agent_actions IS 'Operations the agent performs for the user, with approval state and result.';
COMMENT ON COLUMN public.agent_actions.id IS 'Primary key.';
COMMENT ON COLUMN public.agent_actions.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.agent_actions.action_type IS 'Tool name, e.g. create_task, adjust_timeline, create_habit, send_reminder, draft_email, schedule_call, research_location, transfer_funds, generate_report.';
COMMENT ON COLUMN public.agent_actions.action_status IS 'pending, in_progress, completed, failed or cancelled.';
COMMENT ON COLUMN public.agent_actions.input_params IS 'Parameters of the operation.';
COMMENT ON COLUMN public.agent_actions.output_result IS 'Result of the operation.';
COMMENT ON COLUMN public.agent_actions.requires_approval IS 'Whether the user must approve before the agent acts.';
COMMENT ON COLUMN public.agent_actions.approved_at IS 'Moment the user approved.';
COMMENT ON COLUMN public.agent_actions.executed_at IS 'Moment the operation ran.';
COMMENT ON COLUMN public.agent_actions.error_message IS 'Why the operation failed.';
COMMENT ON COLUMN public.agent_actions.created_at IS 'Moment the action was proposed.';
COMMENT ON COLUMN public.agent_actions.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.agent_actions ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.agent_actions FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.agent_actions TO authenticated;
GRANT ALL ON public.agent_actions TO service_role;

CREATE POLICY agent_actions_select_own ON public.agent_actions
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY agent_actions_insert_own ON public.agent_actions
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY agent_actions_update_own ON public.agent_actions
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY agent_actions_delete_own ON public.agent_actions
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- weekly_reviews
---------------------------------------------------------------------------------------------------
CREATE TABLE public.weekly_reviews (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  week_start date NOT NULL,
  week_end date NOT NULL,
  wins jsonb NOT NULL DEFAULT '[]',
  blockers jsonb NOT NULL DEFAULT '[]',
  next_steps jsonb NOT NULL DEFAULT '[]',
  habit_completion_rate double precision,
  tasks_completed integer NOT NULL DEFAULT 0,
  tasks_total integer NOT NULL DEFAULT 0,
  mood_average double precision,
  ai_insights text,
  video_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT weekly_reviews_week_check CHECK (week_end >= week_start),
  CONSTRAINT weekly_reviews_user_id_week_start_key UNIQUE (user_id, week_start)
);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.weekly_reviews
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.weekly_reviews IS 'The AI-written summary of one week of progress.';
COMMENT ON COLUMN public.weekly_reviews.id IS 'Primary key.';
COMMENT ON COLUMN public.weekly_reviews.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.weekly_reviews.week_start IS 'First day of the reviewed week; one review per user and week.';
COMMENT ON COLUMN public.weekly_reviews.week_end IS 'Last day of the reviewed week (not before week_start).';
COMMENT ON COLUMN public.weekly_reviews.wins IS 'Wins of the week (list of strings).';
COMMENT ON COLUMN public.weekly_reviews.blockers IS 'Blockers met (list of strings).';
COMMENT ON COLUMN public.weekly_reviews.next_steps IS 'Next steps (list of strings).';
COMMENT ON COLUMN public.weekly_reviews.habit_completion_rate IS 'Share of scheduled habit periods completed in the week.';
COMMENT ON COLUMN public.weekly_reviews.tasks_completed IS 'Tasks completed in the week.';
COMMENT ON COLUMN public.weekly_reviews.tasks_total IS 'Tasks due in the week.';
COMMENT ON COLUMN public.weekly_reviews.mood_average IS 'Average mood rating of the week.';
COMMENT ON COLUMN public.weekly_reviews.ai_insights IS 'AI-written insights.';
COMMENT ON COLUMN public.weekly_reviews.video_url IS 'URL of the review video.';
COMMENT ON COLUMN public.weekly_reviews.created_at IS 'Moment the review was written.';
COMMENT ON COLUMN public.weekly_reviews.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.weekly_reviews ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.weekly_reviews FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.weekly_reviews TO authenticated;
GRANT ALL ON public.weekly_reviews TO service_role;

CREATE POLICY weekly_reviews_select_own ON public.weekly_reviews
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY weekly_reviews_insert_own ON public.weekly_reviews
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY weekly_reviews_update_own ON public.weekly_reviews
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY weekly_reviews_delete_own ON public.weekly_reviews
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

---------------------------------------------------------------------------------------------------
-- progress_predictions
---------------------------------------------------------------------------------------------------
CREATE TABLE public.progress_predictions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  goal_type text,
  target_date date,
  current_pace double precision,
  predicted_completion_date date,
  confidence_score double precision,
  recommendations jsonb NOT NULL DEFAULT '[]',
  calculated_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX progress_predictions_user_id_idx ON public.progress_predictions (user_id);
CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.progress_predictions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

COMMENT ON TABLE public.progress_predictions IS 'Cached forecasts of when a goal will be reached at the current pace.';
COMMENT ON COLUMN public.progress_predictions.id IS 'Primary key.';
COMMENT ON COLUMN public.progress_predictions.user_id IS 'Owner (references auth.users, deleted with the user).';
COMMENT ON COLUMN public.progress_predictions.goal_type IS 'Kind of goal forecast.';
COMMENT ON COLUMN public.progress_predictions.target_date IS 'Date the user wants to reach the goal.';
COMMENT ON COLUMN public.progress_predictions.current_pace IS 'Pace relative to plan: 1.0 = on schedule, above 1 = ahead.';
COMMENT ON COLUMN public.progress_predictions.predicted_completion_date IS 'Date the goal is forecast to be reached.';
COMMENT ON COLUMN public.progress_predictions.confidence_score IS 'Confidence of the forecast.';
COMMENT ON COLUMN public.progress_predictions.recommendations IS 'Recommendations (list of strings).';
COMMENT ON COLUMN public.progress_predictions.calculated_at IS 'Moment the forecast was computed.';
COMMENT ON COLUMN public.progress_predictions.created_at IS 'Moment the row was created.';
COMMENT ON COLUMN public.progress_predictions.updated_at IS 'Moment of the last change (maintained by trigger).';

ALTER TABLE public.progress_predictions ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.progress_predictions FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.progress_predictions TO authenticated;
GRANT ALL ON public.progress_predictions TO service_role;

CREATE POLICY progress_predictions_select_own ON public.progress_predictions
  FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
CREATE POLICY progress_predictions_insert_own ON public.progress_predictions
  FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY progress_predictions_update_own ON public.progress_predictions
  FOR UPDATE TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY progress_predictions_delete_own ON public.progress_predictions
  FOR DELETE TO authenticated USING (user_id = (select auth.uid()));
