-- The original app's compile-knowledge-base function: the caller's knowledge base (one row of
-- user_knowledge_base) compiled from their profile, boards, documents, tasks, habits and their
-- completions, achievements, coaching sessions, weekly reviews, progress predictions and bank
-- links, and answered in full, as a summary, or as the text block the AI coach reads.
--
-- Everything runs as the caller (SECURITY INVOKER on auth.uid()): row-level security decides
-- what is read and which row is written. /functions/v1/compile-knowledge-base calls these;
-- clients may call them by RPC as well.
--
-- Where our schema differs from the original's:
--   names            profiles has no full_name: the token's user_metadata full_name or name,
--                    else the local part of its email, else 'User'.
--   retirement_year  no column holds it: the compile keeps the value the row has (the owner may
--                    set it), where the original wrote profiles.retirement_year or NULL.
--   documents        title/doc_type/content are name/type/structured_data; the financial
--                    figures are read from structured_data (an object, or JSON text of one).
--   action_tasks     status/category/is_milestone are is_completed (completed, else pending),
--                    type, and milestone_year being set; due_date is free text, read as a day
--                    when it starts with one (YYYY-MM-DD).
--   plaid_items      no institution_name: institutions are the Plaid institution ids; connected
--                    means a link is ACTIVE, and lastSync (last_plaid_sync) is the latest change
--                    of a link (there is no sync time; the original took a link's created_at).
-- Fixed mistakes of the original:
--   - Days are the caller's local days (a milestone due today is 0 days away, not -1); the
--     30-day window is the last 30 days, today included.
--   - Completed milestones are not upcoming; "Complete <category> tasks" is advised for
--     categories with more than 2 open tasks (not tasks in total).
--   - Keywords (dream locations, priority themes) match at the start of a word ('city' is not
--     found in 'electricity', 'mountain' is in 'mountains').
--   - A habit's completion rate expects its scheduled days (daily 30, weekdays and custom days
--     counted, weekly 4) since it was created, at most 100.
--   - total_streak_days is the live current streak of each active habit (the stored counter,
--     or 0 once it lapsed) plus any streak achievement that is not a copy of a habit's streak
--     (the habit_streak_<id> rows are snapshots of those same counters, and go stale).
--   - Boards and documents in the bin do not count; data_sources counts the profile only when
--     there is one, and also lists plaid_items and progress_predictions.
--   - get answers the summary format too (with cached: true), and a row the counters-only
--     compile_user_knowledge_base() made is compiled in full before it is answered.
--   - A bad format is refused (22023, a 400), and a request without a user is 42501.

-- The format of an answer: full (default), summary or ai_context.
CREATE FUNCTION internal.knowledge_base_format(p_format text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $$
BEGIN
  IF p_format IS NULL OR p_format = 'full' THEN
    RETURN 'full';
  ELSIF p_format IN ('summary', 'ai_context') THEN
    RETURN p_format;
  END IF;
  RAISE EXCEPTION 'unknown knowledge-base format %', p_format
    USING ERRCODE = 'invalid_parameter_value', HINT = 'Use full, summary or ai_context.';
END
$$;
REVOKE EXECUTE ON FUNCTION internal.knowledge_base_format(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.knowledge_base_format(text) TO authenticated, service_role;
COMMENT ON FUNCTION internal.knowledge_base_format(text) IS 'Knowledge base: the answer format asked for (NULL is full); raises 22023 unless full, summary or ai_context.';

-- A task's due date (free text) as a day: NULL unless it starts with a valid YYYY-MM-DD.
CREATE FUNCTION internal.knowledge_base_day(p_text text) RETURNS date
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $$
BEGIN
  IF p_text ~ '^\s*\d{4}-\d{2}-\d{2}' THEN
    RETURN left(btrim(p_text), 10)::date;
  END IF;
  RETURN NULL;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.knowledge_base_day(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.knowledge_base_day(text) TO authenticated, service_role;
COMMENT ON FUNCTION internal.knowledge_base_day(text) IS 'Knowledge base: the day a free-text due date starts with (YYYY-MM-DD), NULL when it names none.';

-- A document's structured data as an object: the object itself, or the object JSON text holds.
CREATE FUNCTION internal.knowledge_base_object(p_value jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $$
DECLARE
  v_parsed jsonb;
BEGIN
  IF jsonb_typeof(p_value) = 'object' THEN
    RETURN p_value;
  ELSIF jsonb_typeof(p_value) = 'string' THEN
    v_parsed := (p_value #>> '{}')::jsonb;
    IF jsonb_typeof(v_parsed) = 'object' THEN
      RETURN v_parsed;
    END IF;
  END IF;
  RETURN '{}'::jsonb;
EXCEPTION WHEN invalid_text_representation THEN
  RETURN '{}'::jsonb;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.knowledge_base_object(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.knowledge_base_object(jsonb) TO authenticated, service_role;
COMMENT ON FUNCTION internal.knowledge_base_object(jsonb) IS 'Knowledge base: a JSON object, or the object a JSON string holds; {} otherwise.';

-- Whether a JSON value is truthy as JavaScript sees it (not null, false, 0 or '').
CREATE FUNCTION internal.knowledge_base_truthy(p_value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE jsonb_typeof(p_value)
           WHEN 'null' THEN false
           WHEN 'boolean' THEN p_value = 'true'::jsonb
           WHEN 'number' THEN (p_value #>> '{}')::numeric <> 0
           WHEN 'string' THEN p_value #>> '{}' <> ''
           ELSE p_value IS NOT NULL
         END
$$;
REVOKE EXECUTE ON FUNCTION internal.knowledge_base_truthy(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.knowledge_base_truthy(jsonb) TO authenticated, service_role;
COMMENT ON FUNCTION internal.knowledge_base_truthy(jsonb) IS 'Knowledge base: whether a JSON value is truthy as JavaScript sees it (not null, false, 0 or empty text).';

-- An amount for a numeric(10,2) column: a non-zero number (or text of one) that fits, else NULL.
CREATE FUNCTION internal.knowledge_base_amount(p_value jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE WHEN a <> 0 AND abs(a) < 100000000 THEN round(a, 2) END
    FROM (SELECT CASE WHEN jsonb_typeof(p_value) = 'number' THEN (p_value #>> '{}')::numeric
                      WHEN jsonb_typeof(p_value) = 'string' AND btrim(p_value #>> '{}') ~ '^-?\d{1,12}(\.\d+)?$'
                        THEN btrim(p_value #>> '{}')::numeric
                 END AS a) x
$$;
REVOKE EXECUTE ON FUNCTION internal.knowledge_base_amount(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.knowledge_base_amount(jsonb) TO authenticated, service_role;
COMMENT ON FUNCTION internal.knowledge_base_amount(jsonb) IS 'Knowledge base: a non-zero amount (number, or text of one) rounded to cents, NULL when absent or too large for numeric(10,2).';

-- A figure as the original wrote it (JavaScript's toLocaleString in en-US): a number with
-- thousands separators and at most 3 decimals; text as it is.
CREATE FUNCTION internal.knowledge_base_figure(p_value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE WHEN jsonb_typeof(p_value) = 'number' THEN
           (SELECT CASE WHEN abs(r) >= 1e15 THEN r::text  -- no separators past what money needs (the pattern is quadratic)
                   ELSE CASE WHEN r < 0 THEN '-' ELSE '' END
                   || regexp_replace(trunc(abs(r))::text, '(\d)(?=(\d{3})+$)', '\1,', 'g')
                   || CASE WHEN abs(r) <> trunc(abs(r)) THEN '.' || split_part(trim_scale(abs(r))::text, '.', 2) ELSE '' END
                   END
              FROM (SELECT round((p_value #>> '{}')::numeric, 3) AS r) n)
         ELSE p_value #>> '{}'
         END
$$;
REVOKE EXECUTE ON FUNCTION internal.knowledge_base_figure(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.knowledge_base_figure(jsonb) TO authenticated, service_role;
COMMENT ON FUNCTION internal.knowledge_base_figure(jsonb) IS 'Knowledge base: a figure as en-US toLocaleString writes it (1,500,000; at most 3 decimals); text as it is.';

-- The context block the AI coach reads, from a knowledge-base row: Markdown-ish lines, each
-- only when it has something to say (the original's get_ai_context text).
CREATE FUNCTION internal.knowledge_base_context(p_kb public.user_knowledge_base) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $$
DECLARE
  v_lines text[] := ARRAY['**User:** ' || coalesce(nullif(p_kb.names, ''), 'Unknown')];
  v_financial jsonb := coalesce(p_kb.financial_summary, '{}');
  v_goals jsonb := coalesce(p_kb.goals_summary, '{}');
  v_habits jsonb := coalesce(p_kb.habits_summary, '{}');
  v_item jsonb;
BEGIN
  IF coalesce(p_kb.retirement_year, 0) <> 0 THEN
    v_lines := v_lines || ('**Target Retirement:** ' || p_kb.retirement_year);
  END IF;
  IF cardinality(p_kb.dream_locations) > 0 THEN
    v_lines := v_lines || ('**Dream Locations:** ' || array_to_string(p_kb.dream_locations, ', '));
  END IF;
  IF coalesce(p_kb.vision_board_count, 0) > 0 THEN
    v_lines := v_lines || (E'\n**Vision Boards:** ' || p_kb.vision_board_count || ' created');
  END IF;
  IF cardinality(p_kb.vision_statements) > 0 THEN
    v_lines := v_lines || '**Key Visions:**'::text
      || ARRAY(SELECT '- ' || left(s.statement, 100) || '...'
                 FROM unnest(p_kb.vision_statements) WITH ORDINALITY AS s (statement, position)
                WHERE s.position <= 3 ORDER BY s.position);
  END IF;
  IF internal.knowledge_base_truthy(v_financial -> 'hasDocuments') THEN
    v_lines := v_lines || E'\n**Financial:**'::text;
    IF internal.knowledge_base_truthy(v_financial -> 'retirementGoal') THEN
      v_lines := v_lines || ('- Goal: $' || internal.knowledge_base_figure(v_financial -> 'retirementGoal'));
    END IF;
    IF internal.knowledge_base_truthy(v_financial -> 'currentSavings') THEN
      v_lines := v_lines || ('- Current: $' || internal.knowledge_base_figure(v_financial -> 'currentSavings'));
    END IF;
    IF internal.knowledge_base_truthy(v_financial -> 'monthlyBudget') THEN
      v_lines := v_lines || ('- Budget: $' || internal.knowledge_base_figure(v_financial -> 'monthlyBudget') || '/mo');
    END IF;
  END IF;
  IF p_kb.goals_summary IS NOT NULL THEN
    v_lines := v_lines || (E'\n**Goals:** ' || coalesce(v_goals ->> 'totalTasks', '0') || ' tasks ('
                           || coalesce(v_goals ->> 'completionRate', '0') || '% complete)');
    IF jsonb_typeof(v_goals -> 'upcomingMilestones') = 'array' AND jsonb_array_length(v_goals -> 'upcomingMilestones') > 0 THEN
      v_lines := v_lines || '**Upcoming Milestones:**'::text;
      FOR v_item IN SELECT m.value FROM jsonb_array_elements(v_goals -> 'upcomingMilestones') WITH ORDINALITY AS m (value, position)
                     WHERE m.position <= 3 ORDER BY m.position LOOP
        v_lines := v_lines || ('- ' || coalesce(v_item ->> 'title', '') || ' (' || coalesce(v_item ->> 'daysUntil', '') || ' days)');
      END LOOP;
    END IF;
  END IF;
  IF p_kb.habits_summary IS NOT NULL THEN
    v_lines := v_lines || (E'\n**Habits:** ' || coalesce(v_habits ->> 'activeHabits', '0') || ' active, '
                           || coalesce(v_habits ->> 'overallCompletionRate', '0') || '% completion rate');
    IF internal.knowledge_base_truthy(v_habits -> 'averageMood') THEN
      v_lines := v_lines || ('**Average Mood:** ' || (v_habits ->> 'averageMood') || '/5');
    END IF;
  END IF;
  IF cardinality(p_kb.recommended_focus_areas) > 0 THEN
    v_lines := v_lines || E'\n**Recommended Focus:**'::text
      || ARRAY(SELECT '- ' || f.area FROM unnest(p_kb.recommended_focus_areas) WITH ORDINALITY AS f (area, position)
                WHERE f.position <= 3 ORDER BY f.position);
  END IF;
  IF nullif(p_kb.sentiment_trend, '') IS NOT NULL AND p_kb.sentiment_trend <> 'insufficient_data' THEN
    v_lines := v_lines || (E'\n**Sentiment Trend:** ' || p_kb.sentiment_trend);
  END IF;
  IF nullif(p_kb.agent_notes, '') IS NOT NULL AND p_kb.agent_notes <> 'No agent notes yet.' THEN
    v_lines := v_lines || (E'\n**Notes:**\n' || p_kb.agent_notes);
  END IF;
  RETURN array_to_string(v_lines, E'\n');
END
$$;
REVOKE EXECUTE ON FUNCTION internal.knowledge_base_context(public.user_knowledge_base) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.knowledge_base_context(public.user_knowledge_base) TO authenticated, service_role;
COMMENT ON FUNCTION internal.knowledge_base_context(public.user_knowledge_base) IS 'Knowledge base: the AI coach''s context text of a row (user, retirement, locations, boards, key visions, financial, goals, habits, focus, trend, notes; one line each when present).';

-- The summary format of a row.
CREATE FUNCTION internal.knowledge_base_summary(p_kb public.user_knowledge_base) RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'visionBoardCount', p_kb.vision_board_count, 'activeHabits', p_kb.active_habits_count,
    'totalStreakDays', p_kb.total_streak_days, 'activeTasks', p_kb.active_tasks_count,
    'completedTasks', p_kb.completed_tasks_count, 'recommendedFocusAreas', to_jsonb(coalesce(p_kb.recommended_focus_areas, '{}')),
    'lastCompiled', p_kb.last_compiled_at)
$$;
REVOKE EXECUTE ON FUNCTION internal.knowledge_base_summary(public.user_knowledge_base) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.knowledge_base_summary(public.user_knowledge_base) TO authenticated, service_role;
COMMENT ON FUNCTION internal.knowledge_base_summary(public.user_knowledge_base) IS 'Knowledge base: {visionBoardCount, activeHabits, totalStreakDays, activeTasks, completedTasks, recommendedFocusAreas, lastCompiled} of a row.';

-- compile_knowledge_base(format): compiles the caller's knowledge base, stores it (one row per
-- user) and answers it in the format asked for.
CREATE FUNCTION public.compile_knowledge_base(p_format text DEFAULT 'full') RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_uid constant uuid := internal.require_user();
  v_format constant text := internal.knowledge_base_format(p_format);
  v_today constant date := internal.caller_today();
  v_claims constant jsonb := auth.jwt();
  v_names text;
  v_has_profile boolean;
  v_statements text[];
  v_vision_text text;
  v_board_count integer;
  v_locations text[];
  v_document_count integer;
  v_financial jsonb;
  v_plaid_count integer;
  v_plaid jsonb;
  v_last_sync timestamptz;
  v_task_count integer;
  v_open_count integer;
  v_done_count integer;
  v_goals jsonb;
  v_milestones jsonb;
  v_priorities text[];
  v_habit_count integer;
  v_active_habits integer;
  v_completion_count integer;
  v_habits jsonb;
  v_streak integer;
  v_achievement_count integer;
  v_session_count integer;
  v_insights text;
  v_notes text;
  v_prediction_count integer;
  v_focus text[];
  v_review_count integer;
  v_moods double precision[];
  v_trend text;
  v_kb public.user_knowledge_base;
BEGIN
  -- Who: the token's name, else its email's local part.
  v_names := coalesce(nullif(btrim(v_claims -> 'user_metadata' ->> 'full_name'), ''),
                      nullif(btrim(v_claims -> 'user_metadata' ->> 'name'), ''),
                      nullif(split_part(coalesce(v_claims ->> 'email', ''), '@', 1), ''),
                      'User');
  v_has_profile := EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = v_uid);

  -- Visions: the newest 10 board prompts longer than 20 characters; boards in the bin do not count.
  SELECT count(*)::integer INTO v_board_count FROM public.vision_boards b WHERE b.user_id = v_uid AND b.deleted_at IS NULL;
  SELECT coalesce(array_agg(s.prompt ORDER BY s.created_at DESC, s.id), '{}') INTO v_statements
    FROM (SELECT b.id, b.prompt, b.created_at FROM public.vision_boards b
           WHERE b.user_id = v_uid AND b.deleted_at IS NULL AND length(b.prompt) > 20
           ORDER BY b.created_at DESC, b.id LIMIT 10) s;
  v_vision_text := lower(array_to_string(v_statements, ' '));
  SELECT coalesce(array_agg(upper(left(k.word, 1)) || substr(k.word, 2) ORDER BY k.position), '{}') INTO v_locations
    FROM (SELECT k.word, k.position
            FROM unnest(ARRAY['thailand', 'portugal', 'spain', 'mexico', 'costa rica', 'bali', 'vietnam', 'italy', 'france',
                              'greece', 'hawaii', 'florida', 'arizona', 'beach', 'mountain', 'lake', 'island', 'countryside',
                              'city']) WITH ORDINALITY AS k (word, position)
           WHERE v_vision_text ~ ('\m' || k.word)
           ORDER BY k.position LIMIT 5) k;

  -- Finances: the documents' kinds, and the figures of their structured data (a later document's wins).
  SELECT count(*)::integer INTO v_document_count FROM public.documents d WHERE d.user_id = v_uid AND d.deleted_at IS NULL;
  v_financial := jsonb_build_object(
      'hasDocuments', v_document_count > 0,
      'documentTypes', (SELECT coalesce(jsonb_agg(t.type ORDER BY t.first), '[]')
                          FROM (SELECT d.type, min(d.created_at) AS first FROM public.documents d
                                 WHERE d.user_id = v_uid AND d.deleted_at IS NULL GROUP BY d.type) t),
      'documentCount', v_document_count)
    || coalesce((SELECT jsonb_object_agg(f.key, f.value)
                   FROM (SELECT DISTINCT ON (e.key) e.key, e.value
                           FROM public.documents d
                           CROSS JOIN LATERAL jsonb_each(internal.knowledge_base_object(d.structured_data)) AS e
                          WHERE d.user_id = v_uid AND d.deleted_at IS NULL
                            AND e.key IN ('monthlyBudget', 'retirementGoal', 'currentSavings', 'monthlyIncome', 'monthlyExpenses')
                            AND internal.knowledge_base_truthy(e.value)
                          ORDER BY e.key, d.created_at DESC, d.id DESC) f), '{}');

  -- Bank links.
  SELECT count(*)::integer, max(p.updated_at),
         jsonb_build_object('connected', coalesce(bool_or(p.status = 'ACTIVE'), false),
                            'institutions', coalesce(jsonb_agg(DISTINCT p.institution_id) FILTER (WHERE p.institution_id IS NOT NULL), '[]'),
                            'lastSync', max(p.updated_at))
    INTO v_plaid_count, v_last_sync, v_plaid
    FROM public.plaid_items p WHERE p.user_id = v_uid;

  -- Goals: the action tasks in due order (a task is a milestone when it has a milestone year).
  WITH t AS (
    SELECT x.id, x.title, x.due_date, x.type AS category, x.is_completed, x.milestone_year IS NOT NULL AS is_milestone,
           internal.knowledge_base_day(x.due_date) AS due, x.created_at
      FROM public.action_tasks x WHERE x.user_id = v_uid
  )
  SELECT (SELECT count(*) FROM t)::integer,
         (SELECT count(*) FILTER (WHERE NOT t.is_completed) FROM t)::integer,
         (SELECT count(*) FILTER (WHERE t.is_completed) FROM t)::integer,
         jsonb_build_object(
           'totalTasks', (SELECT count(*) FROM t),
           'byCategory', (SELECT coalesce(jsonb_object_agg(c.category, c.n), '{}')
                            FROM (SELECT t.category, count(*) AS n FROM t GROUP BY t.category) c),
           'byStatus', (SELECT coalesce(jsonb_object_agg(s.status, s.n), '{}')
                          FROM (SELECT CASE WHEN t.is_completed THEN 'completed' ELSE 'pending' END AS status, count(*) AS n
                                  FROM t GROUP BY 1) s),
           'completionRate', (SELECT CASE WHEN count(*) > 0 THEN round(100.0 * count(*) FILTER (WHERE t.is_completed) / count(*))::integer
                                          ELSE 0 END FROM t),
           'upcomingMilestones', (SELECT coalesce(jsonb_agg(jsonb_build_object('title', m.title, 'dueDate', m.due_date,
                                                                               'daysUntil', m.due - v_today, 'category', m.category)
                                                            ORDER BY m.due, m.created_at, m.id), '[]')
                                    FROM (SELECT * FROM t
                                           WHERE t.is_milestone AND NOT t.is_completed AND t.due BETWEEN v_today AND v_today + 90
                                           ORDER BY t.due, t.created_at, t.id LIMIT 5) m)),
         (SELECT coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'title', m.title, 'dueDate', m.due_date,
                                                       'status', CASE WHEN m.is_completed THEN 'completed' ELSE 'pending' END,
                                                       'category', m.category)
                                    ORDER BY m.due NULLS LAST, m.due_date, m.created_at, m.id), '[]')
            FROM (SELECT * FROM t WHERE t.is_milestone ORDER BY t.due NULLS LAST, t.due_date, t.created_at, t.id LIMIT 10) m)
    INTO v_task_count, v_open_count, v_done_count, v_goals, v_milestones;

  -- Priorities: the next 3 milestones, then the themes the visions name; 5 at most.
  SELECT coalesce(array_agg(p.item ORDER BY p.position), '{}') INTO v_priorities
    FROM (SELECT u.item, min(u.position) AS position
            FROM (SELECT m.value ->> 'title' AS item, m.position
                    FROM jsonb_array_elements(v_goals -> 'upcomingMilestones') WITH ORDINALITY AS m (value, position)
                   WHERE m.position <= 3
                  UNION ALL
                  SELECT upper(left(k.word, 1)) || substr(k.word, 2), 100 + k.position
                    FROM unnest(ARRAY['retirement', 'financial freedom', 'health', 'family', 'travel', 'home', 'business'])
                         WITH ORDINALITY AS k (word, position)
                   WHERE v_vision_text ~ ('\m' || k.word)) u
           WHERE nullif(u.item, '') IS NOT NULL
           GROUP BY u.item
           ORDER BY 2 LIMIT 5) p;

  -- Habits: the last 30 days (today included) of completions, per active habit against the days
  -- it was scheduled since it was created.
  SELECT count(*)::integer, count(*) FILTER (WHERE h.is_active)::integer INTO v_habit_count, v_active_habits
    FROM public.habits h WHERE h.user_id = v_uid;
  SELECT count(*)::integer INTO v_completion_count
    FROM public.habit_completions c WHERE c.user_id = v_uid AND c.completed_on > v_today - 90;
  WITH stats AS (
    SELECT h.id, h.title, h.frequency, h.created_at,
           (SELECT count(*) FROM public.habit_completions c
             WHERE c.habit_id = h.id AND c.completed_on > v_today - 30 AND c.completed_on <= v_today)::integer AS done,
           (SELECT CASE WHEN h.frequency = 'weekly' THEN greatest(1, round(count(*) / 7.0))::integer
                        ELSE count(*) FILTER (WHERE CASE h.frequency
                                                      WHEN 'weekdays' THEN extract(isodow FROM d.day) <= 5
                                                      WHEN 'custom' THEN h.custom_days @> to_jsonb(extract(dow FROM d.day)::integer)
                                                      ELSE true END)::integer END
              FROM generate_series(greatest(v_today - 29, least(v_today, h.created_at::date)), v_today, interval '1 day') AS d (day)) AS asked
      FROM public.habits h WHERE h.user_id = v_uid AND h.is_active
  ), rated AS (
    SELECT s.*, CASE WHEN s.asked > 0 THEN least(100, round(100.0 * s.done / s.asked))::integer ELSE 0 END AS rate FROM stats s
  ), recent AS (
    SELECT c.mood_rating FROM public.habit_completions c
     WHERE c.user_id = v_uid AND c.completed_on > v_today - 30 AND c.completed_on <= v_today
  )
  SELECT jsonb_build_object(
           'totalHabits', v_habit_count,
           'activeHabits', v_active_habits,
           'completions30Days', (SELECT count(*) FROM recent),
           'averageMood', (SELECT trim_scale(round(avg(r.mood_rating)::numeric, 1)) FROM recent r WHERE r.mood_rating IS NOT NULL),
           'habitStats', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'title', r.title, 'frequency', r.frequency,
                                                                       'completions30Days', r.done, 'completionRate', r.rate)
                                                    ORDER BY r.created_at, r.id), '[]') FROM rated r),
           'overallCompletionRate', (SELECT coalesce(round(avg(r.rate))::integer, 0) FROM rated r))
    INTO v_habits;

  -- Streaks: each active habit's live streak, plus streak achievements that are not a habit's copy.
  SELECT coalesce(sum((internal.live_habit(h, v_today) ->> 'current_streak')::integer), 0)::integer INTO v_streak
    FROM public.habits h WHERE h.user_id = v_uid AND h.is_active;
  SELECT count(*)::integer,
         v_streak + coalesce(sum(a.value) FILTER (WHERE a.achievement_type = 'streak' AND a.achievement_key NOT LIKE 'habit\_streak\_%'), 0)::integer
    INTO v_achievement_count, v_streak
    FROM public.user_achievements a WHERE a.user_id = v_uid;

  -- Coaching: the newest 10 sessions, and the newest 5 progress predictions.
  WITH s AS (
    SELECT a.summary, a.action_items, row_number() OVER (ORDER BY a.created_at DESC, a.id) AS n
      FROM public.agent_sessions a WHERE a.user_id = v_uid ORDER BY a.created_at DESC, a.id LIMIT 10
  ), p AS (
    SELECT x.goal_type, x.current_pace, x.recommendations, row_number() OVER (ORDER BY x.calculated_at DESC, x.id) AS n
      FROM public.progress_predictions x WHERE x.user_id = v_uid ORDER BY x.calculated_at DESC, x.id LIMIT 5
  ), notes AS (
    SELECT 'Action: ' || i.text AS line, s.n AS major, i.position AS minor
      FROM s CROSS JOIN LATERAL (
        SELECT CASE jsonb_typeof(e.item) WHEN 'string' THEN e.item #>> '{}' WHEN 'object' THEN e.item ->> 'text' END AS text, e.position
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s.action_items) = 'array' THEN s.action_items ELSE '[]' END)
               WITH ORDINALITY AS e (item, position)
         WHERE e.position <= 2) i
     WHERE s.n <= 3 AND nullif(btrim(i.text), '') IS NOT NULL
    UNION ALL
    SELECT format('Warning: %s behind pace (%s%%)', p.goal_type, round((p.current_pace * 100)::numeric)), 100 + p.n, 0
      FROM p WHERE p.current_pace < 0.8 AND nullif(p.goal_type, '') IS NOT NULL
  )
  SELECT (SELECT count(*) FROM s)::integer,
         CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 'No conversation history yet.'
              WHEN NOT EXISTS (SELECT 1 FROM s WHERE nullif(btrim(s.summary), '') IS NOT NULL) THEN 'Recent conversations without summaries.'
              ELSE E'Recent coaching conversations:\n'
                   || (SELECT string_agg(x.summary, E'\n' ORDER BY x.n)
                         FROM (SELECT s.summary, s.n FROM s WHERE nullif(btrim(s.summary), '') IS NOT NULL ORDER BY s.n LIMIT 3) x)
         END,
         coalesce((SELECT string_agg(notes.line, E'\n' ORDER BY notes.major, notes.minor) FROM notes), 'No agent notes yet.'),
         (SELECT count(*) FROM p)::integer
    INTO v_session_count, v_insights, v_notes, v_prediction_count;

  -- Focus: each prediction's first 2 recommendations, then categories with more than 2 open tasks; 5 at most.
  SELECT coalesce(array_agg(f.area ORDER BY f.position), '{}') INTO v_focus
    FROM (SELECT u.area, min(u.position) AS position
            FROM (SELECT CASE jsonb_typeof(r.item) WHEN 'string' THEN r.item #>> '{}' WHEN 'object' THEN r.item ->> 'text' END AS area,
                         p.n * 10 + r.position AS position
                    FROM (SELECT x.recommendations, row_number() OVER (ORDER BY x.calculated_at DESC, x.id) AS n
                            FROM public.progress_predictions x WHERE x.user_id = v_uid
                           ORDER BY x.calculated_at DESC, x.id LIMIT 5) p
                    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(p.recommendations) = 'array' THEN p.recommendations ELSE '[]' END)
                         WITH ORDINALITY AS r (item, position)
                   WHERE r.position <= 2
                  UNION ALL
                  SELECT 'Complete ' || lower(t.type) || ' tasks', 1000 + row_number() OVER (ORDER BY min(t.created_at), t.type)
                    FROM public.action_tasks t WHERE t.user_id = v_uid AND NOT t.is_completed
                   GROUP BY t.type HAVING count(*) > 2) u
           WHERE nullif(btrim(u.area), '') IS NOT NULL
           GROUP BY u.area
           ORDER BY 2 LIMIT 5) f;

  -- Sentiment: the mood of the newest of the last 4 weekly reviews against the oldest of them.
  SELECT count(*)::integer INTO v_review_count
    FROM (SELECT 1 FROM public.weekly_reviews r WHERE r.user_id = v_uid ORDER BY r.week_start DESC LIMIT 12) r;
  SELECT array_agg(r.mood_average ORDER BY r.week_start DESC) INTO v_moods
    FROM (SELECT r.week_start, r.mood_average FROM public.weekly_reviews r
           WHERE r.user_id = v_uid ORDER BY r.week_start DESC LIMIT 4) r
   WHERE r.mood_average IS NOT NULL AND r.mood_average <> 0;
  v_trend := CASE WHEN v_review_count < 2 OR coalesce(cardinality(v_moods), 0) < 2 THEN 'insufficient_data'
                  WHEN v_moods[1] > v_moods[cardinality(v_moods)] + 0.5 THEN 'improving'
                  WHEN v_moods[1] < v_moods[cardinality(v_moods)] - 0.5 THEN 'declining'
                  ELSE 'stable' END;

  INSERT INTO public.user_knowledge_base AS k (
    user_id, names, dream_locations, financial_summary, plaid_accounts_summary, monthly_budget, retirement_goal,
    vision_statements, top_priorities, vision_board_count, goals_summary, milestones, active_tasks_count,
    completed_tasks_count, habits_summary, active_habits_count, total_streak_days, conversation_insights,
    recommended_focus_areas, agent_notes, sentiment_trend, data_sources, last_plaid_sync, last_compiled_at)
  VALUES (
    v_uid, v_names, v_locations, v_financial, v_plaid,
    internal.knowledge_base_amount(v_financial -> 'monthlyBudget'), internal.knowledge_base_amount(v_financial -> 'retirementGoal'),
    v_statements, v_priorities, v_board_count, v_goals, v_milestones, v_open_count,
    v_done_count, v_habits, v_active_habits, v_streak, v_insights,
    v_focus, v_notes, v_trend,
    jsonb_build_array(
      jsonb_build_object('source', 'profile', 'count', CASE WHEN v_has_profile THEN 1 ELSE 0 END),
      jsonb_build_object('source', 'vision_boards', 'count', v_board_count),
      jsonb_build_object('source', 'documents', 'count', v_document_count),
      jsonb_build_object('source', 'action_tasks', 'count', v_task_count),
      jsonb_build_object('source', 'habits', 'count', v_habit_count),
      jsonb_build_object('source', 'habit_completions', 'count', v_completion_count),
      jsonb_build_object('source', 'achievements', 'count', v_achievement_count),
      jsonb_build_object('source', 'agent_sessions', 'count', v_session_count),
      jsonb_build_object('source', 'weekly_reviews', 'count', v_review_count),
      jsonb_build_object('source', 'plaid_items', 'count', v_plaid_count),
      jsonb_build_object('source', 'progress_predictions', 'count', v_prediction_count)),
    v_last_sync, now())
  ON CONFLICT (user_id) DO UPDATE SET
    names = EXCLUDED.names, dream_locations = EXCLUDED.dream_locations, financial_summary = EXCLUDED.financial_summary,
    plaid_accounts_summary = EXCLUDED.plaid_accounts_summary, monthly_budget = EXCLUDED.monthly_budget,
    retirement_goal = EXCLUDED.retirement_goal, vision_statements = EXCLUDED.vision_statements,
    top_priorities = EXCLUDED.top_priorities, vision_board_count = EXCLUDED.vision_board_count,
    goals_summary = EXCLUDED.goals_summary, milestones = EXCLUDED.milestones, active_tasks_count = EXCLUDED.active_tasks_count,
    completed_tasks_count = EXCLUDED.completed_tasks_count, habits_summary = EXCLUDED.habits_summary,
    active_habits_count = EXCLUDED.active_habits_count, total_streak_days = EXCLUDED.total_streak_days,
    conversation_insights = EXCLUDED.conversation_insights, recommended_focus_areas = EXCLUDED.recommended_focus_areas,
    agent_notes = EXCLUDED.agent_notes, sentiment_trend = EXCLUDED.sentiment_trend, data_sources = EXCLUDED.data_sources,
    last_plaid_sync = EXCLUDED.last_plaid_sync, last_compiled_at = EXCLUDED.last_compiled_at
  RETURNING * INTO v_kb;

  RETURN CASE v_format
    WHEN 'summary' THEN jsonb_build_object('success', true, 'summary', internal.knowledge_base_summary(v_kb))
    WHEN 'ai_context' THEN jsonb_build_object('success', true, 'context', internal.knowledge_base_context(v_kb))
    ELSE jsonb_build_object('success', true, 'knowledgeBase', to_jsonb(v_kb) - 'id' - 'user_id' - 'created_at' - 'updated_at')
  END;
END
$$;
REVOKE EXECUTE ON FUNCTION public.compile_knowledge_base(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.compile_knowledge_base(text) TO authenticated;
COMMENT ON FUNCTION public.compile_knowledge_base(text) IS 'Compiles the caller''s knowledge base from their profile, boards, documents, tasks, habits, achievements, coaching sessions, reviews, predictions and bank links, stores it, and answers {success, knowledgeBase} (full), {success, summary} or {success, context} (ai_context).';

-- get_knowledge_base(format): the stored knowledge base, compiled first when there is none (or
-- only the counters compile_user_knowledge_base() writes).
CREATE FUNCTION public.get_knowledge_base(p_format text DEFAULT 'full') RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_uid constant uuid := internal.require_user();
  v_format constant text := internal.knowledge_base_format(p_format);
  v_kb public.user_knowledge_base;
BEGIN
  SELECT * INTO v_kb FROM public.user_knowledge_base k WHERE k.user_id = v_uid;
  IF NOT FOUND OR v_kb.data_sources = '[]'::jsonb THEN
    RETURN public.compile_knowledge_base(v_format);
  END IF;
  RETURN CASE v_format
    WHEN 'ai_context' THEN jsonb_build_object('success', true, 'context', internal.knowledge_base_context(v_kb))
    WHEN 'summary' THEN jsonb_build_object('success', true, 'summary', internal.knowledge_base_summary(v_kb), 'cached', true)
    ELSE jsonb_build_object('success', true, 'knowledgeBase', to_jsonb(v_kb), 'cached', true)
  END;
END
$$;
REVOKE EXECUTE ON FUNCTION public.get_knowledge_base(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_knowledge_base(text) TO authenticated;
COMMENT ON FUNCTION public.get_knowledge_base(text) IS 'The caller''s stored knowledge base: {success, knowledgeBase (the row), cached: true}, {success, summary, cached: true} or {success, context}; compiled first (compile_knowledge_base answers) when there is none.';

-- knowledge_base_ai_context(): the AI coach's context, compiled again when older than a day.
CREATE FUNCTION public.knowledge_base_ai_context() RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_uid constant uuid := internal.require_user();
  v_kb public.user_knowledge_base;
BEGIN
  SELECT * INTO v_kb FROM public.user_knowledge_base k WHERE k.user_id = v_uid;
  IF NOT FOUND OR v_kb.data_sources = '[]'::jsonb OR v_kb.last_compiled_at IS NULL
     OR v_kb.last_compiled_at < now() - interval '24 hours' THEN
    RETURN public.compile_knowledge_base('ai_context');
  END IF;
  RETURN jsonb_build_object('success', true, 'context', internal.knowledge_base_context(v_kb));
END
$$;
REVOKE EXECUTE ON FUNCTION public.knowledge_base_ai_context() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.knowledge_base_ai_context() TO authenticated;
COMMENT ON FUNCTION public.knowledge_base_ai_context() IS 'The caller''s AI-coach context {success, context}, from the stored knowledge base, compiled again when it is missing or more than 24 hours old.';
