-- Enterprise teams behind /functions/v1/team-service (and RPC): creating a team, its members and
-- their roles, leaving, and the leaderboard served from its cached snapshot. Membership rules
-- (owner role, the owner's row, max_members under the team lock) are the guard trigger of 0006;
-- these functions run as the caller except where a step needs more (named below).

-- The caller's role in a team, refusing those without access: 404 for non-members (the team's
-- existence is not revealed), 403 for members without the owner or admin role when p_admin.
CREATE FUNCTION internal.team_access(p_team_id uuid, p_admin boolean) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
  v_role text;
BEGIN
  PERFORM internal.require_user();
  v_role := public.team_role(p_team_id);
  IF v_role IS NULL THEN
    RAISE EXCEPTION 'no team of yours has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;
  IF p_admin AND v_role NOT IN ('owner', 'admin') THEN
    RAISE EXCEPTION 'only the team''s owner or admins may do this (your role is %)', v_role
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN v_role;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.team_access(uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.team_access(uuid, boolean) TO authenticated;
COMMENT ON FUNCTION internal.team_access(uuid, boolean) IS 'The caller''s role in a team; raises 404 for non-members and 403 for members without owner/admin rights when asked.';

-- A team as the team functions answer it, with the caller's role and the active member count.
CREATE FUNCTION internal.team_json(p_team public.teams) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'id', p_team.id, 'name', p_team.name, 'slug', p_team.slug, 'owner_id', p_team.owner_id,
    'logo_url', p_team.logo_url, 'settings', p_team.settings, 'subscription_tier', p_team.subscription_tier,
    'max_members', p_team.max_members, 'is_active', p_team.is_active,
    'my_role', public.team_role(p_team.id),
    'member_count', (SELECT count(*) FROM public.team_members m WHERE m.team_id = p_team.id AND m.is_active),
    'created_at', p_team.created_at, 'updated_at', p_team.updated_at)
$$;
REVOKE EXECUTE ON FUNCTION internal.team_json(public.teams) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.team_json(public.teams) TO authenticated, service_role;
COMMENT ON FUNCTION internal.team_json(public.teams) IS 'A team as the team functions answer it, with the caller''s role and its active member count.';

-- A new team of the caller from {name, slug?, logo_url?, settings?}; its owner becomes its
-- member with role owner (trigger of 0006).
CREATE FUNCTION public.create_team(p_team jsonb) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_team public.teams;
BEGIN
  PERFORM internal.require_user();
  INSERT INTO public.teams (name, slug, logo_url, settings)
  VALUES (btrim(p_team ->> 'name'), p_team ->> 'slug', p_team ->> 'logo_url', coalesce(p_team -> 'settings', '{}'::jsonb))
  RETURNING * INTO v_team;
  RETURN internal.team_json(v_team);
END
$$;
REVOKE EXECUTE ON FUNCTION public.create_team(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_team(jsonb) TO authenticated;
COMMENT ON FUNCTION public.create_team(jsonb) IS 'Creates a team owned by the caller (who becomes its owner member) from {name, slug?, logo_url?, settings?}.';

CREATE FUNCTION public.list_my_teams() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(internal.team_json(t) ORDER BY t.created_at, t.id), '[]'::jsonb)
    FROM public.teams t
    JOIN public.team_members m ON m.team_id = t.id AND m.user_id = internal.require_user() AND m.is_active
$$;
REVOKE EXECUTE ON FUNCTION public.list_my_teams() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_my_teams() TO authenticated;
COMMENT ON FUNCTION public.list_my_teams() IS 'The teams the caller is an active member of, with their role and member counts.';

-- The name a user shows others: full_name or name from their metadata, else their email's local part.
CREATE FUNCTION internal.display_name(p_user auth.users) RETURNS text
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(nullif(btrim(p_user.raw_user_meta_data ->> 'full_name'), ''),
                  nullif(btrim(p_user.raw_user_meta_data ->> 'name'), ''),
                  split_part(p_user.email, '@', 1))
$$;
REVOKE EXECUTE ON FUNCTION internal.display_name(auth.users) FROM PUBLIC;
COMMENT ON FUNCTION internal.display_name(auth.users) IS 'The name a user shows teammates: user_metadata full_name or name, else the local part of their email.';

-- A team with its active members (email and display name: owner rights read auth.users, for
-- members of the team only).
CREATE FUNCTION public.get_team(p_team_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_team public.teams;
BEGIN
  IF NOT public.is_team_member(p_team_id) THEN
    RAISE EXCEPTION 'no team of yours has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO v_team FROM public.teams t WHERE t.id = p_team_id;
  RETURN internal.team_json(v_team) || jsonb_build_object('members', (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
             'user_id', m.user_id, 'email', u.email, 'display_name', internal.display_name(u),
             'role', m.role, 'joined_at', m.joined_at, 'invited_by', m.invited_by)
             ORDER BY (m.role = 'owner') DESC, m.joined_at, m.user_id), '[]'::jsonb)
      FROM public.team_members m JOIN auth.users u ON u.id = m.user_id
     WHERE m.team_id = p_team_id AND m.is_active));
END
$$;

REVOKE EXECUTE ON FUNCTION public.get_team(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_team(uuid) TO authenticated;
COMMENT ON FUNCTION public.get_team(uuid) IS 'One of the caller''s teams with its active members (email, display name, role).';

-- Changes name, slug, logo_url, settings or is_active of a team (owner or admin).
CREATE FUNCTION public.update_team(p_team_id uuid, p_patch jsonb) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_team public.teams;
BEGIN
  PERFORM internal.team_access(p_team_id, true);
  UPDATE public.teams t SET
    name = CASE WHEN p_patch ? 'name' THEN btrim(p_patch ->> 'name') ELSE t.name END,
    slug = CASE WHEN p_patch ? 'slug' THEN p_patch ->> 'slug' ELSE t.slug END,
    logo_url = CASE WHEN p_patch ? 'logo_url' THEN p_patch ->> 'logo_url' ELSE t.logo_url END,
    settings = CASE WHEN p_patch ? 'settings' THEN coalesce(p_patch -> 'settings', '{}'::jsonb) ELSE t.settings END,
    is_active = CASE WHEN p_patch ? 'is_active' THEN coalesce((p_patch ->> 'is_active')::boolean, t.is_active) ELSE t.is_active END
  WHERE t.id = p_team_id
  RETURNING * INTO v_team;
  RETURN internal.team_json(v_team);
END
$$;
REVOKE EXECUTE ON FUNCTION public.update_team(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.update_team(uuid, jsonb) TO authenticated;
COMMENT ON FUNCTION public.update_team(uuid, jsonb) IS 'Changes a team''s name, slug, logo, settings or active flag (owner or admin).';

-- Adds a registered user (by email) to a team, or re-activates their membership, with role
-- member, manager or admin; queues a mail telling them. Owner rights are needed to find the
-- user by email, so the caller's owner/admin role is checked here; the guard of 0006 still
-- enforces max_members under the team lock (concurrent adds never exceed it).
CREATE FUNCTION public.add_team_member(p_team_id uuid, p_email text, p_role text DEFAULT 'member') RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_caller uuid := internal.require_user();
  v_user auth.users;
  v_member public.team_members;
  v_team_name text;
BEGIN
  IF public.team_role(p_team_id) IS NULL THEN
    RAISE EXCEPTION 'no team of yours has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;
  IF public.team_role(p_team_id) NOT IN ('owner', 'admin') THEN
    RAISE EXCEPTION 'only the team''s owner or admins may add members' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF coalesce(p_role, 'member') NOT IN ('member', 'manager', 'admin') THEN
    RAISE EXCEPTION 'a member''s role is member, manager or admin' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO v_user FROM auth.users u WHERE u.email = lower(btrim(p_email)) AND u.deleted_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no user has the email address %', lower(btrim(p_email)) USING ERRCODE = 'no_data_found',
      HINT = 'They need to sign up first.';
  END IF;
  SELECT * INTO v_member FROM public.team_members m WHERE m.team_id = p_team_id AND m.user_id = v_user.id;
  IF FOUND AND v_member.is_active THEN
    RAISE EXCEPTION '% is already a member of this team', v_user.email USING ERRCODE = 'unique_violation';
  ELSIF FOUND THEN
    UPDATE public.team_members m
       SET is_active = true, role = coalesce(p_role, 'member'), invited_by = v_caller, joined_at = now()
     WHERE m.id = v_member.id
    RETURNING * INTO v_member;
  ELSE
    INSERT INTO public.team_members (team_id, user_id, role, invited_by)
    VALUES (p_team_id, v_user.id, coalesce(p_role, 'member'), v_caller)
    RETURNING * INTO v_member;
  END IF;
  SELECT t.name INTO v_team_name FROM public.teams t WHERE t.id = p_team_id;
  INSERT INTO auth.mail_outbox (recipient, template, payload)
  VALUES (v_user.email, 'team_member_added', jsonb_build_object(
    'team_id', p_team_id, 'team_name', v_team_name, 'role', v_member.role, 'added_by', auth.jwt() ->> 'email'));
  RETURN jsonb_build_object(
    'team_id', v_member.team_id, 'user_id', v_member.user_id, 'email', v_user.email,
    'display_name', internal.display_name(v_user), 'role', v_member.role, 'joined_at', v_member.joined_at,
    'invited_by', v_member.invited_by);
END
$$;
REVOKE EXECUTE ON FUNCTION public.add_team_member(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.add_team_member(uuid, text, text) TO authenticated;
COMMENT ON FUNCTION public.add_team_member(uuid, text, text) IS 'Owner or admin adds a registered user (by email) to the team as member, manager or admin, within max_members; queues a mail to them.';

-- Changes a member's role (owner or admin). The owner's role is not changed, nobody else becomes
-- owner (guard of 0006).
CREATE FUNCTION public.set_team_member_role(p_team_id uuid, p_user_id uuid, p_role text) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_member public.team_members;
BEGIN
  PERFORM internal.team_access(p_team_id, true);
  IF p_role IS NULL OR p_role NOT IN ('member', 'manager', 'admin') THEN
    RAISE EXCEPTION 'a member''s role is member, manager or admin (ownership is not handed over this way)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE public.team_members m SET role = p_role
   WHERE m.team_id = p_team_id AND m.user_id = p_user_id AND m.is_active
  RETURNING * INTO v_member;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'user % is not a member of this team', p_user_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN jsonb_build_object('team_id', v_member.team_id, 'user_id', v_member.user_id, 'role', v_member.role);
END
$$;
REVOKE EXECUTE ON FUNCTION public.set_team_member_role(uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.set_team_member_role(uuid, uuid, text) TO authenticated;
COMMENT ON FUNCTION public.set_team_member_role(uuid, uuid, text) IS 'Owner or admin sets a member''s role to member, manager or admin; the owner''s own role cannot be changed.';

-- Removes a member (owner or admin); the owner cannot be removed (guard of 0006).
CREATE FUNCTION public.remove_team_member(p_team_id uuid, p_user_id uuid) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  PERFORM internal.team_access(p_team_id, true);
  DELETE FROM public.team_members m WHERE m.team_id = p_team_id AND m.user_id = p_user_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'user % is not a member of this team', p_user_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN jsonb_build_object('team_id', p_team_id, 'user_id', p_user_id, 'removed', true);
END
$$;
REVOKE EXECUTE ON FUNCTION public.remove_team_member(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.remove_team_member(uuid, uuid) TO authenticated;
COMMENT ON FUNCTION public.remove_team_member(uuid, uuid) IS 'Owner or admin removes a member from the team; the owner cannot be removed.';

-- The caller leaves a team; its owner cannot (they delete the team or have it handed over).
CREATE FUNCTION public.leave_team(p_team_id uuid) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
BEGIN
  IF internal.team_access(p_team_id, false) = 'owner' THEN
    RAISE EXCEPTION 'the owner cannot leave the team: delete it or have ownership handed over first'
      USING ERRCODE = 'check_violation';
  END IF;
  DELETE FROM public.team_members m WHERE m.team_id = p_team_id AND m.user_id = v_uid;
  RETURN jsonb_build_object('team_id', p_team_id, 'left', true);
END
$$;
REVOKE EXECUTE ON FUNCTION public.leave_team(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.leave_team(uuid) TO authenticated;
COMMENT ON FUNCTION public.leave_team(uuid) IS 'The caller leaves a team they belong to (not its owner).';

-- The team's leaderboard for the current day, ISO week or month (UTC), for its active members
-- only: the cached snapshot of team_leaderboards when it is younger than p_max_age_seconds,
-- else computed afresh by calculate_team_leaderboard (server-only, hence owner rights here);
-- p_refresh (owner or admin) forces a new computation. Entries carry display names.
CREATE FUNCTION public.get_team_leaderboard(p_team_id uuid, p_period_type text DEFAULT 'weekly',
                                            p_refresh boolean DEFAULT false, p_max_age_seconds integer DEFAULT 300)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid uuid := internal.require_user();
  v_today date := (now() AT TIME ZONE 'UTC')::date;
  v_start date;
  v_board public.team_leaderboards;
BEGIN
  IF NOT public.is_team_member(p_team_id) THEN
    RAISE EXCEPTION 'no team of yours has id %', p_team_id USING ERRCODE = 'no_data_found';
  END IF;
  v_start := CASE p_period_type
    WHEN 'daily' THEN v_today
    WHEN 'weekly' THEN date_trunc('week', v_today::timestamp)::date
    WHEN 'monthly' THEN date_trunc('month', v_today::timestamp)::date
  END;
  IF v_start IS NULL THEN
    RAISE EXCEPTION 'unknown period % (expected daily, weekly or monthly)', p_period_type
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_refresh AND public.team_role(p_team_id) NOT IN ('owner', 'admin') THEN
    RAISE EXCEPTION 'only the team''s owner or admins may force a refresh' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO v_board FROM public.team_leaderboards b
   WHERE b.team_id = p_team_id AND b.period_type = p_period_type AND b.period_start = v_start;
  IF NOT FOUND OR p_refresh OR v_board.generated_at < now() - make_interval(secs => greatest(coalesce(p_max_age_seconds, 300), 0)) THEN
    PERFORM public.calculate_team_leaderboard(p_team_id, p_period_type);
    SELECT * INTO v_board FROM public.team_leaderboards b
     WHERE b.team_id = p_team_id AND b.period_type = p_period_type AND b.period_start = v_start;
  END IF;
  RETURN jsonb_build_object(
    'team_id', p_team_id, 'period_type', v_board.period_type, 'period_start', v_board.period_start,
    'period_end', v_board.period_end, 'generated_at', v_board.generated_at,
    'rankings', coalesce((
      SELECT jsonb_agg(r.entry || jsonb_build_object('display_name', internal.display_name(u), 'is_me', u.id = v_uid)
                       ORDER BY r.position)
        FROM jsonb_array_elements(v_board.rankings) WITH ORDINALITY AS r (entry, position)
        JOIN auth.users u ON u.id = (r.entry ->> 'user_id')::uuid), '[]'::jsonb));
END
$$;
REVOKE EXECUTE ON FUNCTION public.get_team_leaderboard(uuid, text, boolean, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_team_leaderboard(uuid, text, boolean, integer) TO authenticated;
COMMENT ON FUNCTION public.get_team_leaderboard(uuid, text, boolean, integer) IS 'A team''s daily, weekly or monthly leaderboard for its active members: the cached snapshot when fresh (default 5 minutes), else recomputed; owner or admin may force a refresh.';
