-- team_leaderboards holds the current leaderboard as the app's screen reads it: one row per
-- active member of a team and period type, with its rank, name, avatar, score, completions,
-- best streak and the change of rank since the previous snapshot, so that
-- `select * where period_type = 'weekly' order by rank` is the screen. Each computation replaces
-- the team's rows of that period type (the current period only; a new week starts afresh). The
-- rankings JSON the functions answer is unchanged. `all_time` (since the team was created) joins
-- daily, weekly and monthly. Snapshots are a cache: the old ones are dropped and recomputed.

TRUNCATE public.team_leaderboards;
ALTER TABLE public.team_leaderboards
  DROP CONSTRAINT team_leaderboards_team_id_period_type_period_start_key,
  DROP CONSTRAINT team_leaderboards_period_type_check,
  DROP COLUMN rankings,
  ADD COLUMN user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  ADD COLUMN rank integer NOT NULL CHECK (rank >= 1),
  ADD COLUMN user_name text,
  ADD COLUMN avatar_url text,
  ADD COLUMN total_score integer NOT NULL DEFAULT 0 CHECK (total_score >= 0),
  ADD COLUMN completions_count integer NOT NULL DEFAULT 0 CHECK (completions_count >= 0),
  ADD COLUMN longest_streak integer NOT NULL DEFAULT 0 CHECK (longest_streak >= 0),
  ADD COLUMN rank_change integer NOT NULL DEFAULT 0,
  ADD CONSTRAINT team_leaderboards_period_type_check CHECK (period_type IN ('daily', 'weekly', 'monthly', 'all_time')),
  ADD CONSTRAINT team_leaderboards_member_key UNIQUE (team_id, period_type, user_id);
CREATE INDEX team_leaderboards_user_id_idx ON public.team_leaderboards (user_id);
CREATE INDEX team_leaderboards_period_rank_idx ON public.team_leaderboards (period_type, rank);

COMMENT ON TABLE public.team_leaderboards IS 'The current leaderboard of each team and period type, one row per active member in rank order; written only by the leaderboard functions.';
COMMENT ON COLUMN public.team_leaderboards.period_type IS 'daily (the UTC day), weekly (the ISO week), monthly (the calendar month) or all_time (since the team was created).';
COMMENT ON COLUMN public.team_leaderboards.period_start IS 'First day of the period (UTC).';
COMMENT ON COLUMN public.team_leaderboards.period_end IS 'Last day of the period (UTC; today for all_time).';
COMMENT ON COLUMN public.team_leaderboards.user_id IS 'The ranked member.';
COMMENT ON COLUMN public.team_leaderboards.rank IS '1-based position: completions descending, then best streak descending, then user id.';
COMMENT ON COLUMN public.team_leaderboards.user_name IS 'The name the member shows teammates when the snapshot was taken (user_metadata full_name or name, else the local part of their email).';
COMMENT ON COLUMN public.team_leaderboards.avatar_url IS 'The member''s user_metadata avatar_url when the snapshot was taken, if any.';
COMMENT ON COLUMN public.team_leaderboards.total_score IS 'The member''s score for the period: their completions of active habits in it.';
COMMENT ON COLUMN public.team_leaderboards.completions_count IS 'Completions of the member''s active habits with completed_on in the period.';
COMMENT ON COLUMN public.team_leaderboards.longest_streak IS 'The best current streak among the member''s active habits.';
COMMENT ON COLUMN public.team_leaderboards.rank_change IS 'Places gained since the previous snapshot of this team and period type (negative when fallen; 0 for a new entry).';
COMMENT ON COLUMN public.team_leaderboards.generated_at IS 'When the snapshot was computed.';

-- The period a leaderboard of this type covers today (UTC).
CREATE FUNCTION internal.leaderboard_period(p_team_id uuid, p_period_type text, OUT period_start date, OUT period_end date)
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
  v_today date := (now() AT TIME ZONE 'UTC')::date;
BEGIN
  CASE p_period_type
    WHEN 'daily' THEN
      period_start := v_today;
      period_end := v_today;
    WHEN 'weekly' THEN
      period_start := date_trunc('week', v_today::timestamp)::date;
      period_end := period_start + 6;
    WHEN 'monthly' THEN
      period_start := date_trunc('month', v_today::timestamp)::date;
      period_end := (date_trunc('month', v_today::timestamp) + interval '1 month')::date - 1;
    WHEN 'all_time' THEN
      period_start := coalesce((SELECT (t.created_at AT TIME ZONE 'UTC')::date FROM public.teams t WHERE t.id = p_team_id), v_today);
      period_end := v_today;
    ELSE
      RAISE EXCEPTION 'unknown period type % (expected daily, weekly, monthly or all_time)', p_period_type
        USING ERRCODE = 'invalid_parameter_value';
  END CASE;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.leaderboard_period(uuid, text) FROM PUBLIC;
COMMENT ON FUNCTION internal.leaderboard_period(uuid, text) IS 'First and last day (UTC) of the current daily, weekly, monthly or all_time period of a team''s leaderboard; 22023 for another type.';

-- A team's leaderboard rows of one period type as the rankings JSON the functions answer.
CREATE FUNCTION internal.leaderboard_rankings(p_team_id uuid, p_period_type text) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'user_id', l.user_id, 'rank', l.rank, 'completions', l.completions_count, 'streak', l.longest_streak)
           ORDER BY l.rank), '[]'::jsonb)
    FROM public.team_leaderboards l
   WHERE l.team_id = p_team_id AND l.period_type = p_period_type
$$;
REVOKE EXECUTE ON FUNCTION internal.leaderboard_rankings(uuid, text) FROM PUBLIC;
COMMENT ON FUNCTION internal.leaderboard_rankings(uuid, text) IS 'A team''s current leaderboard of one period type as [{user_id, rank, completions, streak}] in rank order.';

CREATE OR REPLACE FUNCTION public.calculate_team_leaderboard(p_team_id uuid, p_period_type text DEFAULT 'weekly') RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_period record := internal.leaderboard_period(p_team_id, p_period_type);
  v_previous jsonb;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.teams t WHERE t.id = p_team_id) THEN
    RAISE EXCEPTION 'no team has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;
  -- One computation of a team's board at a time, so two never interleave their rows.
  PERFORM pg_advisory_xact_lock(hashtextextended('team_leaderboards:' || p_team_id::text || ':' || p_period_type, 0));

  -- The previous snapshot's ranks, for each member's change of rank.
  SELECT coalesce(jsonb_object_agg(l.user_id, l.rank), '{}'::jsonb) INTO v_previous
    FROM public.team_leaderboards l
   WHERE l.team_id = p_team_id AND l.period_type = p_period_type;
  DELETE FROM public.team_leaderboards l WHERE l.team_id = p_team_id AND l.period_type = p_period_type;

  WITH scores AS (
    SELECT m.user_id,
           (SELECT count(*)
              FROM public.habits h
              JOIN public.habit_completions c ON c.habit_id = h.id
             WHERE h.user_id = m.user_id AND h.is_active
               AND c.completed_on BETWEEN v_period.period_start AND v_period.period_end)::integer AS completions,
           (SELECT coalesce(max(h.current_streak), 0)
              FROM public.habits h
             WHERE h.user_id = m.user_id AND h.is_active)::integer AS streak
      FROM public.team_members m
     WHERE m.team_id = p_team_id AND m.is_active
  ), ranked AS (
    SELECT s.*, row_number() OVER (ORDER BY s.completions DESC, s.streak DESC, s.user_id)::integer AS rank
      FROM scores s
  )
  INSERT INTO public.team_leaderboards
    (team_id, period_type, period_start, period_end, user_id, rank, user_name, avatar_url,
     total_score, completions_count, longest_streak, rank_change, generated_at)
  SELECT p_team_id, p_period_type, v_period.period_start, v_period.period_end, r.user_id, r.rank,
         internal.display_name(u), nullif(btrim(u.raw_user_meta_data ->> 'avatar_url'), ''),
         r.completions, r.completions, r.streak, coalesce((v_previous ->> r.user_id::text)::integer - r.rank, 0), now()
    FROM ranked r
    JOIN auth.users u ON u.id = r.user_id;

  RETURN internal.leaderboard_rankings(p_team_id, p_period_type);
END
$$;
COMMENT ON FUNCTION public.calculate_team_leaderboard(uuid, text) IS 'Computes the team''s ranking for the current UTC day, ISO week, month or all time (completions of active habits in the period, then best current streak), replaces its rows of that period type in team_leaderboards and returns the rankings.';

CREATE OR REPLACE FUNCTION public.get_team_leaderboard(p_team_id uuid, p_period_type text DEFAULT 'weekly', p_refresh boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_period record;
  v_generated timestamptz;
BEGIN
  IF NOT public.is_team_member(p_team_id) THEN
    RAISE EXCEPTION 'no team of yours has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;
  v_period := internal.leaderboard_period(p_team_id, p_period_type);
  IF p_refresh AND public.team_role(p_team_id) NOT IN ('owner', 'admin') THEN
    RAISE EXCEPTION 'only the team''s owner or admins may force a refresh' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT min(l.generated_at) INTO v_generated FROM public.team_leaderboards l
   WHERE l.team_id = p_team_id AND l.period_type = p_period_type AND l.period_start = v_period.period_start;
  IF v_generated IS NULL OR p_refresh OR v_generated < now() - interval '300 seconds' THEN
    PERFORM public.calculate_team_leaderboard(p_team_id, p_period_type);
    v_generated := now();
  END IF;
  RETURN jsonb_build_object(
    'team_id', p_team_id, 'period_type', p_period_type, 'period_start', v_period.period_start,
    'period_end', v_period.period_end, 'generated_at', v_generated,
    'rankings', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
               'user_id', l.user_id, 'rank', l.rank, 'completions', l.completions_count, 'streak', l.longest_streak,
               'display_name', internal.display_name(u), 'is_me', u.id = v_uid)
               ORDER BY l.rank)
        FROM public.team_leaderboards l
        JOIN auth.users u ON u.id = l.user_id
       WHERE l.team_id = p_team_id AND l.period_type = p_period_type), '[]'::jsonb));
END
$$;
COMMENT ON FUNCTION public.get_team_leaderboard(uuid, text, boolean) IS 'A team''s daily, weekly, monthly or all_time leaderboard for its active members: the stored snapshot when at most 5 minutes old, else recomputed (and stored); owner or admin may force a refresh.';

CREATE OR REPLACE FUNCTION public.refresh_team_leaderboards() RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_team_id uuid;
  v_period text;
  v_count integer := 0;
BEGIN
  FOR v_team_id IN SELECT t.id FROM public.teams t WHERE t.is_active ORDER BY t.id LOOP
    FOREACH v_period IN ARRAY ARRAY['daily', 'weekly', 'monthly', 'all_time'] LOOP
      PERFORM public.calculate_team_leaderboard(v_team_id, v_period);
      v_count := v_count + 1;
    END LOOP;
  END LOOP;
  RETURN v_count;
END
$$;
COMMENT ON FUNCTION public.refresh_team_leaderboards() IS 'Background job: computes the daily, weekly, monthly and all_time leaderboard of every active team; returns the number of leaderboards written.';
