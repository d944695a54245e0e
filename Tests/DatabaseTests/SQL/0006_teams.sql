-- 0006 teams: teams, team_members (guard trigger, max_members with the team row locked),
-- team_leaderboards access, the membership helpers, and the hand-over of owned teams when an
-- account is deleted. Attacks come from a non-member, a plain member, a manager, an admin
-- overreaching, and anon.

CREATE FUNCTION tests.c_id(p_name text) RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('t.' || p_name, true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION tests.c_id(text) TO PUBLIC;

SELECT set_config('t.olivia', tests.create_user('olivia@example.com')::text, true);  -- owner
SELECT set_config('t.adam', tests.create_user('adam@example.com')::text, true);      -- admin
SELECT set_config('t.manny', tests.create_user('manny@example.com')::text, true);    -- manager
SELECT set_config('t.mia', tests.create_user('mia@example.com')::text, true);        -- member
SELECT set_config('t.eve', tests.create_user('eve@example.com')::text, true);        -- outsider
SELECT set_config('t.zoe', tests.create_user('zoe@example.com')::text, true);        -- spare
-- Every one of them confirmed their address (invitations are answered by confirmed addresses).
UPDATE auth.users SET email_confirmed_at = now();

-- Joins a team: the current caller invites <name>@example.com, who accepts; the caller is
-- restored afterwards.
CREATE FUNCTION tests.join_team(p_team uuid, p_name text, p_role text DEFAULT 'member') RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_inviter uuid := auth.uid();
  v_invitation uuid;
BEGIN
  v_invitation := public.add_team_member(p_team, p_name || '@example.com', p_role) ->> 'id';
  PERFORM tests.act_as(tests.c_id(p_name));
  PERFORM public.accept_team_invitation(v_invitation);
  PERFORM tests.act_as(v_inviter);
END
$$;

---------------------------------------------------------------------------------------------------
-- Policies never query team_members directly (they use the SECURITY DEFINER helpers)
---------------------------------------------------------------------------------------------------
SELECT tests.assert_eq(
  (SELECT count(*) FROM pg_policies WHERE schemaname = 'public'
     AND tablename IN ('teams', 'team_members', 'team_leaderboards')
     AND (coalesce(qual, '') LIKE '%team_members%' OR coalesce(with_check, '') LIKE '%team_members%')),
  0::bigint, 'no team policy reads team_members itself');
SELECT tests.assert((SELECT bool_and(provolatile = 's' AND prosecdef) FROM pg_proc
                     WHERE oid IN ('public.is_team_member(uuid)'::regprocedure, 'public.team_role(uuid)'::regprocedure)),
                    'is_team_member and team_role are STABLE SECURITY DEFINER');

---------------------------------------------------------------------------------------------------
-- Creating a team: the owner becomes its member with role owner
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('olivia'));
SELECT tests.assert_raises(format($$INSERT INTO public.teams (name, owner_id) VALUES ('Stolen', %L)$$, tests.c_id('eve')),
                           '42501', 'cannot create a team owned by someone else');
SELECT tests.assert_raises($$INSERT INTO public.teams (name, max_members) VALUES ('Huge', 1000)$$, '42501',
                           'cannot choose max_members');
SELECT tests.assert_raises($$INSERT INTO public.teams (name, subscription_tier) VALUES ('Rich', 'enterprise')$$, '42501',
                           'cannot choose subscription_tier');
WITH t AS (INSERT INTO public.teams (name, slug) VALUES ('Rockets', 'rockets') RETURNING id, owner_id, subscription_tier, max_members, is_active, settings)
SELECT set_config('t.team', (SELECT id FROM t WHERE owner_id = tests.c_id('olivia') AND subscription_tier = 'team'
                                                AND max_members = 10 AND is_active AND settings = '{}')::text, true);
SELECT tests.assert(tests.c_id('team') IS NOT NULL, 'team created with owner = caller and server defaults');
SELECT tests.assert_eq((SELECT role || ' ' || is_active FROM public.team_members
                        WHERE team_id = tests.c_id('team') AND user_id = tests.c_id('olivia')),
                       'owner true', 'the creator is an active member with role owner');
SELECT tests.assert_eq(public.team_role(tests.c_id('team')), 'owner', 'team_role of the owner');
SELECT tests.assert_raises($$INSERT INTO public.teams (name, slug) VALUES ('Copy', 'rockets')$$, '23505', 'slug is unique');

-- The owner staffs the team: by invitation only, never by adding a user id.
SELECT tests.assert_raises(format($$INSERT INTO public.team_members (team_id, user_id, role, invited_by) VALUES (%L, %L, 'admin', auth.uid())$$,
                                  tests.c_id('team'), tests.c_id('adam')),
                           '42501', 'even the owner cannot make someone a member without their consent');
SELECT tests.join_team(tests.c_id('team'), 'adam', 'admin');
SELECT tests.join_team(tests.c_id('team'), 'manny', 'manager');
SELECT tests.assert_eq(public.add_team_member(tests.c_id('team'), 'mia@example.com') ->> 'role', 'member', 'role defaults to member');
SELECT tests.act_as(tests.c_id('mia'));
SELECT public.accept_team_invitation((SELECT id FROM public.team_invitations WHERE invitee_email = 'mia@example.com'));
SELECT tests.act_as(tests.c_id('olivia'));
SELECT tests.assert_eq((SELECT role FROM public.team_members WHERE user_id = tests.c_id('mia')), 'member',
                       'the member joined with the invitation''s role');
SELECT tests.assert_raises(format($$UPDATE public.team_members SET role = 'owner' WHERE user_id = %L$$, tests.c_id('mia')),
                           '23514', 'even the owner cannot give role owner to someone else');
SELECT tests.assert_raises(format($$UPDATE public.team_members SET role = 'boss' WHERE user_id = %L$$, tests.c_id('mia')),
                           '23514', 'role CHECK');
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'eve@example.com', 'owner')$$, tests.c_id('team')),
                           '22023', 'nobody is invited as owner');
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'mia@example.com')$$, tests.c_id('team')),
                           '23505', 'a member is not invited again');
SELECT tests.act_as_service();
SELECT tests.assert_raises(format($$INSERT INTO public.team_members (team_id, user_id) VALUES (%L, %L)$$,
                                  tests.c_id('team'), tests.c_id('mia')),
                           '23505', 'one membership per user and team');
SELECT tests.act_as(tests.c_id('olivia'));

---------------------------------------------------------------------------------------------------
-- Helpers
---------------------------------------------------------------------------------------------------
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES ('olivia', 'owner'), ('adam', 'admin'), ('manny', 'manager'), ('mia', 'member'), ('eve', NULL))
           AS v (who, expected_role)
  LOOP
    PERFORM tests.act_as(tests.c_id(r.who));
    PERFORM tests.assert_eq(public.team_role(tests.c_id('team')), r.expected_role, 'team_role for ' || r.who);
    PERFORM tests.assert_eq(public.is_team_member(tests.c_id('team')), r.expected_role IS NOT NULL, 'is_team_member for ' || r.who);
  END LOOP;
  PERFORM tests.act_as(tests.c_id('olivia'));
  PERFORM tests.assert_eq(public.team_role(gen_random_uuid()), NULL::text, 'team_role of an unknown team is NULL');
  PERFORM tests.act_as_anon();
  PERFORM tests.assert_raises(format('SELECT public.is_team_member(%L)', tests.c_id('team')), '42501', 'anon cannot call is_team_member');
  PERFORM tests.assert_raises(format('SELECT public.team_role(%L)', tests.c_id('team')), '42501', 'anon cannot call team_role');
END
$$;

---------------------------------------------------------------------------------------------------
-- teams: RLS matrix
---------------------------------------------------------------------------------------------------
-- Outsider: sees nothing, changes nothing.
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.teams'), 0::bigint, 'a non-member sees no team');
SELECT tests.assert_eq(tests.affected($$UPDATE public.teams SET name = 'pwned'$$), 0::bigint, 'a non-member renames nothing');
SELECT tests.assert_eq(tests.affected('DELETE FROM public.teams'), 0::bigint, 'a non-member deletes nothing');
-- Plain member and manager: read only.
DO $do$
DECLARE
  who text;
BEGIN
  FOREACH who IN ARRAY ARRAY['mia', 'manny'] LOOP
    PERFORM tests.act_as(tests.c_id(who));
    PERFORM tests.assert_eq(tests.row_count('SELECT * FROM public.teams'), 1::bigint, who || ' sees the team');
    PERFORM tests.assert_eq(tests.affected($$UPDATE public.teams SET name = 'pwned'$$), 0::bigint, who || ' cannot rename the team');
    PERFORM tests.assert_eq(tests.affected('DELETE FROM public.teams'), 0::bigint, who || ' cannot delete the team');
    PERFORM tests.assert_raises('UPDATE public.teams SET max_members = 99', '42501', who || ' cannot raise max_members');
  END LOOP;
END
$do$;
-- Admin: edits the editable columns, never the server-managed ones or the owner.
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_eq(tests.affected($$UPDATE public.teams SET name = 'Rockets FC', logo_url = 'https://x/logo.png',
                                        settings = '{"week_starts": "monday"}', slug = 'rockets-fc'$$),
                       1::bigint, 'an admin edits name, slug, logo and settings');
DO $do$
DECLARE
  who text;
  col text;
BEGIN
  FOREACH who IN ARRAY ARRAY['adam', 'olivia'] LOOP
    PERFORM tests.act_as(tests.c_id(who));
    FOREACH col IN ARRAY ARRAY['max_members', 'subscription_tier', 'owner_id', 'id', 'created_at'] LOOP
      PERFORM tests.assert_raises(format('UPDATE public.teams SET %I = %I', col, col), '42501', who || ' cannot update teams.' || col);
    END LOOP;
  END LOOP;
END
$do$;
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT * FROM public.teams', '42501', 'anon cannot select teams');
SELECT tests.assert_raises($$INSERT INTO public.teams (name, owner_id) VALUES ('x', gen_random_uuid())$$, '42501', 'anon cannot create teams');
SELECT tests.assert_raises($$UPDATE public.teams SET name = 'x'$$, '42501', 'anon cannot update teams');
SELECT tests.assert_raises('DELETE FROM public.teams', '42501', 'anon cannot delete teams');

---------------------------------------------------------------------------------------------------
-- team_members: RLS matrix and guard
---------------------------------------------------------------------------------------------------
-- Outsider: cannot see members, cannot join or add anyone, cannot touch rows.
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.team_members'), 0::bigint, 'a non-member sees no membership');
SELECT tests.assert_raises(format('INSERT INTO public.team_members (team_id, user_id) VALUES (%L, auth.uid())', tests.c_id('team')),
                           '42501', 'a non-member cannot join a team by themselves');
SELECT tests.assert_raises(format($$INSERT INTO public.team_members (team_id, user_id, role) VALUES (%L, auth.uid(), 'admin')$$,
                                  tests.c_id('team')),
                           '42501', 'a non-member cannot make themselves admin');
SELECT tests.assert_eq(tests.affected($$UPDATE public.team_members SET role = 'member' WHERE role <> 'owner'$$), 0::bigint,
                       'a non-member changes no membership');
SELECT tests.assert_eq(tests.affected('DELETE FROM public.team_members'), 0::bigint, 'a non-member removes no member');

-- Plain member and manager: see the roster, cannot manage it.
DO $do$
DECLARE
  who text;
BEGIN
  FOREACH who IN ARRAY ARRAY['mia', 'manny'] LOOP
    PERFORM tests.act_as(tests.c_id(who));
    PERFORM tests.assert_eq(tests.row_count('SELECT * FROM public.team_members'), 4::bigint, who || ' sees the whole roster');
    PERFORM tests.assert_raises(format('INSERT INTO public.team_members (team_id, user_id) VALUES (%L, %L)',
                                       tests.c_id('team'), tests.c_id('eve')),
                                '42501', who || ' cannot add a member');
    PERFORM tests.assert_eq(tests.affected($$UPDATE public.team_members SET role = 'admin' WHERE user_id = auth.uid()$$),
                            0::bigint, who || ' cannot promote themselves');
    PERFORM tests.assert_eq(tests.affected($$UPDATE public.team_members SET is_active = false WHERE user_id <> auth.uid()$$),
                            0::bigint, who || ' cannot deactivate others');
    PERFORM tests.assert_eq(tests.affected('DELETE FROM public.team_members WHERE user_id <> auth.uid()'), 0::bigint,
                            who || ' cannot remove others');
  END LOOP;
END
$do$;

-- Admin: manages members, but never the owner's row and never role owner.
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_raises(format($$INSERT INTO public.team_members (team_id, user_id, invited_by) VALUES (%L, %L, auth.uid())$$,
                                  tests.c_id('team'), tests.c_id('eve')),
                           '42501', 'an admin cannot add a member without their consent');
SELECT tests.join_team(tests.c_id('team'), 'eve');
SELECT tests.assert_eq((SELECT invited_by FROM public.team_members WHERE user_id = tests.c_id('eve')), tests.c_id('adam'),
                       'an admin adds a member by invitation');
SELECT tests.assert_eq(tests.affected(format($$UPDATE public.team_members SET role = 'manager' WHERE user_id = %L$$, tests.c_id('eve'))),
                       1::bigint, 'an admin changes a member''s role');
SELECT tests.assert_raises(format($$UPDATE public.team_members SET role = 'owner' WHERE user_id = %L$$, tests.c_id('eve')),
                           '23514', 'an admin cannot make someone owner');
SELECT tests.assert_raises($$UPDATE public.team_members SET role = 'owner' WHERE user_id = auth.uid()$$,
                           '23514', 'an admin cannot make themselves owner');
SELECT tests.assert_raises(format($$UPDATE public.team_members SET role = 'admin' WHERE user_id = %L$$, tests.c_id('olivia')),
                           '42501', 'an admin cannot demote the owner');
SELECT tests.assert_raises(format($$UPDATE public.team_members SET is_active = false WHERE user_id = %L$$, tests.c_id('olivia')),
                           '42501', 'an admin cannot deactivate the owner');
SELECT tests.assert_raises(format($$DELETE FROM public.team_members WHERE user_id = %L$$, tests.c_id('olivia')),
                           '42501', 'an admin cannot remove the owner');
SELECT tests.assert_raises(format($$UPDATE public.team_members SET user_id = %L WHERE user_id = %L$$, tests.c_id('adam'), tests.c_id('eve')),
                           '23514', 'a membership cannot be handed to another user');
SELECT tests.assert_eq(tests.affected(format($$DELETE FROM public.team_members WHERE user_id = %L$$, tests.c_id('eve'))),
                       1::bigint, 'an admin removes a member');
-- Admin rights are per team: adam administers nothing in eve's own team.
SELECT tests.act_as(tests.c_id('eve'));
WITH t AS (INSERT INTO public.teams (name) VALUES ('Eve''s crew') RETURNING id)
SELECT set_config('t.eve_team', (SELECT id FROM t)::text, true);
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_raises(format('INSERT INTO public.team_members (team_id, user_id) VALUES (%L, auth.uid())', tests.c_id('eve_team')),
                           '42501', 'an admin of one team cannot join another team');
SELECT tests.assert_raises(format($$UPDATE public.team_members SET team_id = %L WHERE user_id = %L$$, tests.c_id('eve_team'), tests.c_id('mia')),
                           '23514', 'a membership cannot be moved to another team');
SELECT tests.assert_eq(tests.row_count(format('SELECT * FROM public.teams WHERE id = %L', tests.c_id('eve_team'))), 0::bigint,
                       'an admin of one team does not see another team');

-- Owner: cannot leave, demote or deactivate themselves.
SELECT tests.act_as(tests.c_id('olivia'));
SELECT tests.assert_raises('DELETE FROM public.team_members WHERE user_id = auth.uid()', '42501', 'the owner cannot leave the team');
SELECT tests.assert_raises($$UPDATE public.team_members SET role = 'member' WHERE user_id = auth.uid()$$, '42501',
                           'the owner cannot demote themselves');
SELECT tests.assert_raises('UPDATE public.team_members SET is_active = false WHERE user_id = auth.uid()', '42501',
                           'the owner cannot deactivate themselves');
SELECT tests.assert_eq(tests.affected($$UPDATE public.team_members SET joined_at = joined_at WHERE user_id = auth.uid()$$), 1::bigint,
                       'an update that keeps the owner''s role and activity is fine');

-- A plain member leaves; a deactivated member sees only their own row.
SELECT tests.act_as(tests.c_id('manny'));
SELECT tests.assert_eq(tests.affected('DELETE FROM public.team_members WHERE user_id = auth.uid()'), 1::bigint,
                       'a member leaves the team');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.teams'), 0::bigint, 'after leaving, the team is invisible');
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_eq(tests.affected(format('UPDATE public.team_members SET is_active = false WHERE user_id = %L', tests.c_id('mia'))),
                       1::bigint, 'an admin deactivates a member');
SELECT tests.act_as(tests.c_id('mia'));
SELECT tests.assert_eq(public.is_team_member(tests.c_id('team')), false, 'an inactive member is not a member');
SELECT tests.assert_eq(public.team_role(tests.c_id('team')), NULL::text, 'an inactive member has no role');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.team_members'), 1::bigint, 'an inactive member sees only their own row');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.teams'), 0::bigint, 'an inactive member does not see the team');

SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT * FROM public.team_members', '42501', 'anon cannot select memberships');
SELECT tests.assert_raises(format('INSERT INTO public.team_members (team_id, user_id) VALUES (%L, gen_random_uuid())', tests.c_id('team')),
                           '42501', 'anon cannot add memberships');
SELECT tests.assert_raises($$UPDATE public.team_members SET role = 'admin'$$, '42501', 'anon cannot update memberships');
SELECT tests.assert_raises('DELETE FROM public.team_members', '42501', 'anon cannot delete memberships');

---------------------------------------------------------------------------------------------------
-- max_members: inserts and re-activations beyond the limit fail; the team row is locked first
---------------------------------------------------------------------------------------------------
-- Invitations made while the team had 4 seats, accepted after it went down to 3.
SELECT tests.act_as_service();
UPDATE public.teams SET max_members = 4 WHERE id = tests.c_id('team');   -- active now: olivia, adam
SELECT tests.act_as(tests.c_id('adam'));
SELECT set_config('t.inv_manny', public.add_team_member(tests.c_id('team'), 'manny@example.com') ->> 'id', true);
SELECT set_config('t.inv_zoe', public.add_team_member(tests.c_id('team'), 'zoe@example.com') ->> 'id', true);
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'eve@example.com')$$, tests.c_id('team')),
                           '23514', 'no invitation beyond max_members, counting pending invitations');
SELECT tests.act_as_service();
UPDATE public.teams SET max_members = 3 WHERE id = tests.c_id('team');
SELECT tests.act_as(tests.c_id('manny'));
SELECT tests.assert_eq(public.accept_team_invitation(tests.c_id('inv_manny')) -> 'team' ->> 'member_count', '3',
                       'the third member fits');
SELECT tests.act_as(tests.c_id('zoe'));
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_zoe')),
                           '23514', 'a fourth member is refused when max_members is 3');
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'eve@example.com')$$, tests.c_id('team')),
                           '23514', 'a full team invites nobody');
SELECT tests.assert_raises(format('UPDATE public.team_members SET is_active = true WHERE user_id = %L', tests.c_id('mia')),
                           '23514', 're-activating a member is refused when the team is full');
SELECT tests.act_as_service();
SELECT tests.assert_eq(tests.affected(format($$INSERT INTO public.team_members (team_id, user_id, is_active) VALUES (%L, %L, false)$$,
                                             tests.c_id('team'), tests.c_id('eve'))),
                       1::bigint, 'an inactive membership does not count towards the limit');
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_eq(tests.affected(format($$UPDATE public.team_members SET role = 'manager' WHERE user_id = %L$$, tests.c_id('manny'))),
                       1::bigint, 'changing an active member''s role in a full team is fine');
SELECT tests.act_as_service();
SELECT tests.assert_raises(format('INSERT INTO public.team_members (team_id, user_id) VALUES (%L, %L)', tests.c_id('team'), tests.c_id('zoe')),
                           '23514', 'the limit binds the server too');
-- The guard locks the team row FOR UPDATE before counting (concurrent joins queue on that lock;
-- a single-transaction test cannot race, so check the order of the two statements).
SELECT tests.assert((SELECT position('FOR UPDATE' IN prosrc) BETWEEN 1 AND position('count(*)' IN prosrc)
                     FROM pg_proc WHERE oid = 'internal.lock_team_for_membership(uuid)'::regprocedure),
                    'the membership lock takes the team row FOR UPDATE before counting');
SELECT tests.assert((SELECT position('lock_team_for_membership(NEW.team_id)' IN prosrc) BETWEEN 1 AND position('max_members' IN prosrc)
                     FROM pg_proc WHERE oid = 'internal.team_member_guard()'::regprocedure),
                    'the guard takes the lock before checking max_members');
-- A second team to exercise ownership moves and team deletion by an admin.
SELECT tests.act_as(tests.c_id('adam'));
INSERT INTO public.teams (name) VALUES ('Lock probe');
SELECT set_config('t.probe', (SELECT id FROM public.teams WHERE name = 'Lock probe')::text, true);

---------------------------------------------------------------------------------------------------
-- Deleting a team (owner or admin), and the server moving ownership
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_service();
SELECT public.calculate_team_leaderboard(tests.c_id('eve_team'), 'daily');
SELECT tests.assert((SELECT count(*) > 0 FROM public.team_leaderboards WHERE team_id = tests.c_id('eve_team')), 'the team has a leaderboard');
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_eq(tests.affected(format('DELETE FROM public.teams WHERE id = %L', tests.c_id('eve_team'))), 1::bigint,
                       'the owner deletes the team');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT count(*) FROM public.team_members WHERE team_id = tests.c_id('eve_team'))
                       + (SELECT count(*) FROM public.team_leaderboards WHERE team_id = tests.c_id('eve_team')),
                       0::bigint, 'members and leaderboards are deleted with the team');

-- The server moves ownership: the old owner becomes admin, the new owner's row gets role owner.
SELECT tests.act_as_service();
UPDATE public.teams SET owner_id = tests.c_id('eve') WHERE id = tests.c_id('probe');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT string_agg(u.email || ':' || m.role || ':' || m.is_active, ',' ORDER BY u.email)
                        FROM public.team_members m JOIN auth.users u ON u.id = m.user_id WHERE m.team_id = tests.c_id('probe')),
                       'adam@example.com:admin:true,eve@example.com:owner:true',
                       'ownership moved: memberships follow');
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_eq(tests.affected(format('DELETE FROM public.teams WHERE id = %L', tests.c_id('probe'))), 1::bigint,
                       'an admin may delete the team');

---------------------------------------------------------------------------------------------------
-- team_leaderboards: members read, nobody but the server writes
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_service();
INSERT INTO public.team_leaderboards (team_id, period_type, period_start, period_end, user_id, rank)
VALUES (tests.c_id('team'), 'weekly', date '2026-01-05', date '2026-01-11', tests.c_id('olivia'), 1);
SELECT tests.assert_raises(format($$INSERT INTO public.team_leaderboards (team_id, period_type, period_start, period_end, user_id, rank)
                                   VALUES (%L, 'daily', date '2026-01-05', date '2026-01-04', %L, 1)$$, tests.c_id('team'), tests.c_id('olivia')),
                           '23514', 'period_end before period_start is refused');
SELECT tests.assert_raises(format($$INSERT INTO public.team_leaderboards (team_id, period_type, period_start, period_end, user_id, rank)
                                   VALUES (%L, 'yearly', date '2026-01-01', date '2026-12-31', %L, 1)$$, tests.c_id('team'), tests.c_id('olivia')),
                           '23514', 'period_type CHECK');
SELECT tests.assert_raises(format($$INSERT INTO public.team_leaderboards (team_id, period_type, period_start, period_end, user_id, rank)
                                   VALUES (%L, 'daily', current_date, current_date, %L, 0)$$, tests.c_id('team'), tests.c_id('olivia')),
                           '23514', 'ranks start at 1');
SELECT tests.assert_raises(format($$INSERT INTO public.team_leaderboards (team_id, period_type, period_start, period_end, user_id, rank)
                                   VALUES (%L, 'weekly', date '2026-01-12', date '2026-01-18', %L, 2)$$, tests.c_id('team'), tests.c_id('olivia')),
                           '23505', 'one row per team, period type and member');
SELECT tests.act_as(tests.c_id('manny'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.team_leaderboards'), 1::bigint, 'a member reads the leaderboard');
DO $do$
DECLARE
  who text;
BEGIN
  FOREACH who IN ARRAY ARRAY['olivia', 'manny', 'eve'] LOOP
    PERFORM tests.act_as(tests.c_id(who));
    PERFORM tests.assert_raises(format($$INSERT INTO public.team_leaderboards (team_id, period_type, period_start, period_end, user_id, rank)
                                         VALUES (%L, 'daily', current_date, current_date, %L, 1)$$, tests.c_id('team'), tests.c_id(who)),
                                '42501', who || ' cannot write a leaderboard');
    PERFORM tests.assert_raises($$UPDATE public.team_leaderboards SET rank = 1, total_score = 1000$$, '42501', who || ' cannot edit a leaderboard');
    PERFORM tests.assert_raises('DELETE FROM public.team_leaderboards', '42501', who || ' cannot delete a leaderboard');
    PERFORM tests.assert_raises(format('SELECT public.calculate_team_leaderboard(%L)', tests.c_id('team')), '42501',
                                who || ' cannot run calculate_team_leaderboard');
    PERFORM tests.assert_raises('SELECT public.refresh_team_leaderboards()', '42501', who || ' cannot run refresh_team_leaderboards');
  END LOOP;
END
$do$;
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.team_leaderboards'), 0::bigint, 'a non-member reads no leaderboard');
SELECT tests.act_as(tests.c_id('mia'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.team_leaderboards'), 0::bigint, 'an inactive member reads no leaderboard');
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT * FROM public.team_leaderboards', '42501', 'anon cannot read leaderboards');
SELECT tests.assert_raises('SELECT public.refresh_team_leaderboards()', '42501', 'anon cannot refresh leaderboards');

---------------------------------------------------------------------------------------------------
-- Deleting an owner's account hands each owned team over (or deletes it)
---------------------------------------------------------------------------------------------------
-- Current 'team': olivia owner; adam admin; manny manager; mia and eve inactive. Seniority:
-- mia (inactive admin) 40 days, manny (manager) 20 days, adam (admin) 10 days: the admin inherits
-- although a plain member has been there longer, and the inactive admin is skipped.
SELECT tests.act_as_owner();
UPDATE public.team_members SET role = 'admin', joined_at = now() - interval '40 days'
WHERE team_id = tests.c_id('team') AND user_id = tests.c_id('mia');
UPDATE public.team_members SET joined_at = now() - interval '20 days' WHERE team_id = tests.c_id('team') AND user_id = tests.c_id('manny');
UPDATE public.team_members SET joined_at = now() - interval '10 days' WHERE team_id = tests.c_id('team') AND user_id = tests.c_id('adam');
SELECT tests.assert_eq((SELECT count(*) FROM public.team_members WHERE team_id = tests.c_id('team')
                        AND user_id IN (tests.c_id('adam'), tests.c_id('mia')) AND invited_by = tests.c_id('olivia')),
                       2::bigint, 'fixture: adam and mia were invited by olivia');

-- Team 2: no admin; the longest-standing active member (any role) inherits. (Memberships with
-- their history are fixtures, written as the schema owner.)
SELECT tests.act_as(tests.c_id('olivia'));
WITH t AS (INSERT INTO public.teams (name) VALUES ('Second') RETURNING id)
SELECT set_config('t.team2', (SELECT id FROM t)::text, true);
SELECT tests.act_as_owner();
INSERT INTO public.team_members (team_id, user_id, role, joined_at) VALUES
  (tests.c_id('team2'), tests.c_id('eve'), 'member', now() - interval '2 days'),
  (tests.c_id('team2'), tests.c_id('manny'), 'manager', now() - interval '5 days'),
  (tests.c_id('team2'), tests.c_id('adam'), 'member', now() - interval '1 day'),
  (tests.c_id('team2'), tests.c_id('zoe'), 'member', now() - interval '9 days');
UPDATE public.team_members SET is_active = false WHERE team_id = tests.c_id('team2') AND user_id = tests.c_id('zoe');
-- Team 3: nobody else active -> deleted.
SELECT tests.act_as(tests.c_id('olivia'));
WITH t AS (INSERT INTO public.teams (name) VALUES ('Solo') RETURNING id)
SELECT set_config('t.team3', (SELECT id FROM t)::text, true);
SELECT tests.act_as_owner();
INSERT INTO public.team_members (team_id, user_id, is_active) VALUES (tests.c_id('team3'), tests.c_id('eve'), false);
SELECT tests.act_as_service();
INSERT INTO public.team_leaderboards (team_id, period_type, period_start, period_end, user_id, rank)
VALUES (tests.c_id('team3'), 'daily', current_date, current_date, tests.c_id('olivia'), 1);

SELECT tests.act_as_owner();
SELECT tests.assert_eq(tests.affected(format('DELETE FROM auth.users WHERE id = %L', tests.c_id('olivia'))), 1::bigint,
                       'deleting the owner''s account succeeds');
SELECT tests.assert_eq((SELECT owner_id FROM public.teams WHERE id = tests.c_id('team')), tests.c_id('adam'),
                       'team 1 goes to the longest-standing active admin (before older members and inactive admins)');
SELECT tests.assert_eq((SELECT string_agg(u.email || ':' || m.role || ':' || m.is_active, ',' ORDER BY u.email)
                        FROM public.team_members m JOIN auth.users u ON u.id = m.user_id
                        WHERE m.team_id = tests.c_id('team')),
                       'adam@example.com:owner:true,eve@example.com:member:false,manny@example.com:manager:true,mia@example.com:admin:false',
                       'the heir holds role owner; the old owner''s membership is gone; nobody else changed');
SELECT tests.assert_eq((SELECT owner_id FROM public.teams WHERE id = tests.c_id('team2')), tests.c_id('manny'),
                       'team 2 (no admin) goes to the longest-standing active member (inactive ones skipped)');
SELECT tests.assert_eq((SELECT role FROM public.team_members WHERE team_id = tests.c_id('team2') AND user_id = tests.c_id('manny')),
                       'owner', 'the member who inherits becomes owner');
SELECT tests.assert_eq((SELECT count(*) FROM public.teams WHERE id = tests.c_id('team3'))
                       + (SELECT count(*) FROM public.team_members WHERE team_id = tests.c_id('team3'))
                       + (SELECT count(*) FROM public.team_leaderboards WHERE team_id = tests.c_id('team3')),
                       0::bigint, 'a team with no other active member is deleted with its rows');
SELECT tests.assert_eq((SELECT count(*) FROM public.team_members WHERE user_id = tests.c_id('olivia')), 0::bigint,
                       'no membership of the deleted account remains');
SELECT tests.assert_eq((SELECT count(*) FROM public.team_members WHERE team_id = tests.c_id('team')
                        AND user_id IN (tests.c_id('adam'), tests.c_id('mia')) AND invited_by IS NULL),
                       2::bigint, 'invited_by references to the deleted account are cleared');
-- The new owners now have the owner's protections and rights.
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_raises(format('DELETE FROM public.team_members WHERE user_id = auth.uid() AND team_id = %L', tests.c_id('team')),
                           '42501', 'the new owner cannot leave the inherited team');
SELECT tests.assert_eq(tests.affected(format($$UPDATE public.teams SET name = 'Adam''s Rockets' WHERE id = %L$$, tests.c_id('team'))),
                       1::bigint, 'the new owner edits the inherited team');
SELECT tests.act_as(tests.c_id('manny'));
SELECT tests.assert_eq(tests.affected(format($$UPDATE public.teams SET name = 'Manny''s crew' WHERE id = %L$$, tests.c_id('team2'))),
                       1::bigint, 'the member who inherited team 2 edits it');
SELECT tests.assert_eq(tests.affected(format($$UPDATE public.teams SET name = 'hijack' WHERE id = %L$$, tests.c_id('team'))),
                       0::bigint, 'a manager still cannot edit team 1');
-- Deleting the heir in turn: team 1 passes on again (no active admin left -> manny), team 2 keeps
-- its owner and just loses a member.
SELECT tests.act_as_owner();
DELETE FROM auth.users WHERE id = tests.c_id('adam');
SELECT tests.assert_eq((SELECT count(*) FROM public.teams), 2::bigint, 'both teams survive');
SELECT tests.assert_eq((SELECT owner_id FROM public.teams WHERE id = tests.c_id('team')), tests.c_id('manny'),
                       'team 1 passes to the longest-standing active member when no active admin remains');
SELECT tests.assert_eq((SELECT owner_id FROM public.teams WHERE id = tests.c_id('team2')), tests.c_id('manny'),
                       'team 2 keeps its owner when a plain member''s account is deleted');
