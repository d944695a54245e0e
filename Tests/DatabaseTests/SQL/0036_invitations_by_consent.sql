-- 0036: team membership by invitation only, answered by the account whose confirmed address it
-- names; partner invitations matched the same way. Written from the attacker's side: an admin
-- adding a stranger or probing for accounts, an outsider or a plain member, a token claiming
-- someone else's address, an unconfirmed account, anon, and a flood of invitation mails.

CREATE FUNCTION tests.c_id(p_name text) RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('t.' || p_name, true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION tests.c_id(text) TO PUBLIC;

-- Acts as the user of one id with a token that names another address (a token whose email
-- claim is not, or no longer, what the account has confirmed).
CREATE FUNCTION tests.act_as_claiming(p_user uuid, p_email text) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('role', 'none', true);
  PERFORM set_config('request.jwt.claims',
                     jsonb_build_object('sub', p_user, 'role', 'authenticated', 'email', p_email, 'aud', 'authenticated')::text, true);
  PERFORM set_config('role', 'authenticated', true);
END
$$;

SELECT set_config('t.olivia', tests.create_user('olivia@example.com')::text, true);   -- owner
SELECT set_config('t.adam', tests.create_user('adam@example.com')::text, true);       -- admin
SELECT set_config('t.mia', tests.create_user('mia@example.com')::text, true);         -- member
SELECT set_config('t.bob', tests.create_user('bob@example.com')::text, true);         -- invitee
SELECT set_config('t.eve', tests.create_user('eve@example.com')::text, true);         -- outsider
SELECT set_config('t.una', tests.create_user('una@example.com')::text, true);         -- unconfirmed
UPDATE auth.users SET email_confirmed_at = now() WHERE email <> 'una@example.com';

---------------------------------------------------------------------------------------------------
-- internal.caller_confirmed_email
---------------------------------------------------------------------------------------------------
SELECT tests.assert((SELECT prosecdef AND provolatile = 's' AND proconfig @> ARRAY['search_path=""']
                     FROM pg_proc WHERE oid = 'internal.caller_confirmed_email()'::regprocedure),
                    'caller_confirmed_email is STABLE SECURITY DEFINER with an empty search_path');
SELECT tests.assert(has_function_privilege('authenticated', 'internal.caller_confirmed_email()', 'EXECUTE')
                    AND NOT has_function_privilege('anon', 'internal.caller_confirmed_email()', 'EXECUTE')
                    AND NOT has_function_privilege('service_role', 'internal.caller_confirmed_email()', 'EXECUTE')
                    AND NOT has_function_privilege('public', 'internal.caller_confirmed_email()', 'EXECUTE'),
                    'EXECUTE on caller_confirmed_email for authenticated only');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(internal.caller_confirmed_email(), 'bob@example.com', 'a confirmed account''s address');
SELECT tests.act_as_claiming(tests.c_id('eve'), 'bob@example.com');
SELECT tests.assert_eq(internal.caller_confirmed_email(), 'eve@example.com', 'the account''s address, not the token''s claim');
SELECT tests.act_as(tests.c_id('una'));
SELECT tests.assert_eq(internal.caller_confirmed_email(), NULL::text, 'NULL for an unconfirmed address');
SELECT tests.act_as_claiming(gen_random_uuid(), 'bob@example.com');
SELECT tests.assert_eq(internal.caller_confirmed_email(), NULL::text, 'NULL for a token naming no account');
SELECT tests.act_as_owner();
UPDATE auth.users SET deleted_at = now() WHERE id = tests.c_id('adam');
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_eq(internal.caller_confirmed_email(), NULL::text, 'NULL for a deleted account');
SELECT tests.act_as_owner();
UPDATE auth.users SET deleted_at = NULL WHERE id = tests.c_id('adam');
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT internal.caller_confirmed_email()', '42501', 'anon cannot call it');

---------------------------------------------------------------------------------------------------
-- Structure: grants, policies, functions
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_owner();
SELECT tests.assert_eq(
  (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a
    WHERE a.attrelid = 'public.team_invitations'::regclass AND a.attnum > 0 AND NOT a.attisdropped
      AND has_column_privilege('authenticated', 'public.team_invitations', a.attname, 'SELECT')),
  'id,team_id,invitee_email,role,invited_by,status,expires_at,accepted_by,accepted_at,declined_at,revoked_at,created_at,updated_at',
  'authenticated reads every column of team_invitations but the code');
SELECT tests.assert(NOT has_table_privilege(r, 'public.team_invitations', p), format('%s lacks %s on team_invitations', r, p))
FROM unnest(ARRAY['anon', 'authenticated']) AS r CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p;
SELECT tests.assert(NOT has_any_column_privilege('anon', 'public.team_invitations', 'SELECT'), 'anon reads nothing');
SELECT tests.assert(has_table_privilege('service_role', 'public.team_invitations', 'SELECT,INSERT,UPDATE,DELETE'), 'service_role: all');
SELECT tests.assert(NOT has_table_privilege('authenticated', 'public.team_members', 'INSERT')
                    AND NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'team_members' AND cmd = 'INSERT'),
                    'end users insert no memberships');
SELECT tests.assert_eq(
  (SELECT count(*) FROM pg_policies WHERE schemaname = 'public' AND tablename IN ('partner_invitations', 'team_invitations')
      AND (coalesce(qual, '') || coalesce(with_check, '')) ~ '(jwt|email'')'),
  0::bigint, 'no invitation policy reads the token''s email claim');
DO $$
DECLARE
  fn text;
BEGIN
  FOREACH fn IN ARRAY ARRAY['public.add_team_member(uuid,text,text)', 'public.accept_team_invitation(uuid,text)',
                            'public.decline_team_invitation(uuid,text)', 'public.list_my_team_invitations()',
                            'public.list_team_invitations(uuid)', 'public.revoke_team_invitation(uuid)',
                            'public.list_partner_invitations()', 'public.get_partner_status()',
                            'public.accept_partner_invitation(text)', 'public.decline_partner_invitation(text)'] LOOP
    PERFORM tests.assert(has_function_privilege('authenticated', fn, 'EXECUTE'), 'authenticated may call ' || fn);
    PERFORM tests.assert(NOT has_function_privilege('anon', fn, 'EXECUTE') AND NOT has_function_privilege('public', fn, 'EXECUTE'),
                         'anon and PUBLIC may not call ' || fn);
    PERFORM tests.assert(coalesce(obj_description(fn::regprocedure, 'pg_proc'), '') <> '', fn || ' is documented');
  END LOOP;
  FOREACH fn IN ARRAY ARRAY['internal.require_invitee(text)', 'internal.invitation_for_invitee(uuid,text)',
                            'internal.team_invitation_json(public.team_invitations)'] LOOP
    PERFORM tests.assert(NOT has_function_privilege(r, fn, 'EXECUTE'), r || ' may not call ' || fn)
       FROM unnest(ARRAY['public', 'anon', 'authenticated', 'service_role']) AS r;
  END LOOP;
END
$$;
SELECT tests.act_as(tests.c_id('olivia'));
SELECT tests.assert_raises('SELECT count(*) FROM internal.team_invitation_sends', '42501', 'a user cannot read the counter');
SELECT tests.assert_raises('DELETE FROM internal.team_invitation_sends', '42501', 'nor reset it');
SELECT tests.act_as_service();
SELECT tests.assert_raises('SELECT count(*) FROM internal.team_invitation_sends', '42501', 'not even service_role reads the counter');

---------------------------------------------------------------------------------------------------
-- The team, and inviting: the same answer with or without an account, nobody joins
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('olivia'));
WITH t AS (INSERT INTO public.teams (name) VALUES ('Rockets') RETURNING id)
SELECT set_config('t.team', (SELECT id FROM t)::text, true);
-- adam and mia join the way anybody now does.
SELECT set_config('t.inv_adam', public.add_team_member(tests.c_id('team'), 'adam@example.com', 'admin') ->> 'id', true);
SELECT set_config('t.inv_mia', public.add_team_member(tests.c_id('team'), 'mia@example.com') ->> 'id', true);
SELECT tests.act_as(tests.c_id('adam'));
SELECT public.accept_team_invitation(tests.c_id('inv_adam'));
SELECT tests.act_as(tests.c_id('mia'));
SELECT public.accept_team_invitation(tests.c_id('inv_mia'));

SELECT tests.act_as(tests.c_id('olivia'));
SELECT set_config('t.answer_bob', public.add_team_member(tests.c_id('team'), '  Bob@Example.COM ')::text, true);
SELECT set_config('t.answer_ghost', public.add_team_member(tests.c_id('team'), 'ghost@example.com')::text, true);
SELECT set_config('t.inv_bob', current_setting('t.answer_bob')::jsonb ->> 'id', true);
SELECT set_config('t.inv_ghost', current_setting('t.answer_ghost')::jsonb ->> 'id', true);
SELECT tests.assert_eq((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(current_setting('t.answer_bob')::jsonb) AS k),
                       ARRAY['email', 'expires_at', 'id', 'role', 'status', 'team_id'],
                       'the answer is the invitation: id, team_id, email, role, status, expires_at');
SELECT tests.assert_eq(current_setting('t.answer_bob')::jsonb - 'id' - 'email' - 'expires_at',
                       current_setting('t.answer_ghost')::jsonb - 'id' - 'email' - 'expires_at',
                       'a registered and an unregistered address get the same answer');
SELECT tests.assert_eq(current_setting('t.answer_bob')::jsonb ->> 'email', 'bob@example.com', 'the address is trimmed and lower-cased');
SELECT tests.assert(current_setting('t.answer_bob')::jsonb ->> 'status' = 'pending'
                    AND (current_setting('t.answer_bob')::jsonb ->> 'expires_at')::timestamptz = now() + interval '7 days',
                    'pending, for 7 days');
SELECT tests.assert_eq(public.is_team_member(tests.c_id('team')), true, 'fixture: olivia is a member');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(public.is_team_member(tests.c_id('team')), false, 'an invitee is no member before accepting');
SELECT tests.assert_raises(format('SELECT public.get_team_leaderboard(%L)', tests.c_id('team')), 'P0002',
                           'an invitee reads no leaderboard');
SELECT tests.act_as(tests.c_id('olivia'));
SELECT tests.assert_eq(jsonb_array_length(public.get_team_leaderboard(tests.c_id('team'), 'weekly', true) -> 'rankings'), 3,
                       'the leaderboard ranks the three members, not the invitee');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT count(*) FROM auth.mail_outbox WHERE template = 'team_invitation'
                          AND recipient IN ('bob@example.com', 'ghost@example.com')), 2::bigint,
                       'both invitation mails are queued');
SELECT tests.assert((SELECT m.payload ->> 'invite_code' = i.invite_code AND m.payload ->> 'invitation_id' = i.id::text
                            AND m.payload ->> 'team_name' = 'Rockets' AND m.payload ->> 'invited_by' = 'olivia@example.com'
                            AND m.payload ->> 'role' = 'member'
                     FROM auth.mail_outbox m JOIN public.team_invitations i ON i.invitee_email = m.recipient
                     WHERE m.recipient = 'bob@example.com' AND m.template = 'team_invitation'),
                    'the mail carries the code, the team, the role and who invited');
SELECT tests.assert((SELECT invite_code ~ '^[A-Z0-9]{8}$' FROM public.team_invitations WHERE id = tests.c_id('inv_bob')),
                    'the code is 8 characters of A-Z0-9 (0040)');
-- The code in bob's mail (which an attacker may have got hold of).
SELECT set_config('t.bob_code', (SELECT payload ->> 'invite_code' FROM auth.mail_outbox
                                 WHERE recipient = 'bob@example.com' AND template = 'team_invitation'), true);

-- Refusals keep their order: outsiders 404, plain members 403, bad input 400, members 409.
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'x@example.com')$$, tests.c_id('team')), 'P0002',
                           'an outsider cannot invite (the team is not revealed)');
SELECT tests.act_as(tests.c_id('mia'));
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'x@example.com')$$, tests.c_id('team')), '42501',
                           'a plain member cannot invite');
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'not an address')$$, tests.c_id('team')), '22023', 'not an address');
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, NULL)$$, tests.c_id('team')), '22023', 'no address');
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'x@example.com', 'owner')$$, tests.c_id('team')), '22023',
                           'nobody is invited as owner');
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'MIA@example.com')$$, tests.c_id('team')), '23505',
                           'an active member is not invited again');
SELECT tests.act_as_anon();
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'x@example.com')$$, tests.c_id('team')), '42501', 'anon cannot invite');

---------------------------------------------------------------------------------------------------
-- Who sees invitations, and nobody writes them directly
---------------------------------------------------------------------------------------------------
DO $do$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES ('olivia', 2), ('adam', 2), ('mia', 0), ('bob', 1), ('eve', 0), ('una', 0)) AS v (who, n) LOOP
    PERFORM tests.act_as(tests.c_id(r.who));
    PERFORM tests.assert_eq(tests.row_count('SELECT id FROM public.team_invitations WHERE status = ''pending'''), r.n::bigint,
                            r.who || ' sees ' || r.n || ' pending invitations');
    PERFORM tests.assert_raises('SELECT invite_code FROM public.team_invitations', '42501', r.who || ' cannot read codes');
    PERFORM tests.assert_raises('UPDATE public.team_invitations SET status = ''accepted''', '42501', r.who || ' cannot update invitations');
    PERFORM tests.assert_raises('DELETE FROM public.team_invitations', '42501', r.who || ' cannot delete invitations');
    PERFORM tests.assert_raises(format($$INSERT INTO public.team_invitations (team_id, invitee_email) VALUES (%L, 'x@example.com')$$,
                                       tests.c_id('team')), '42501', r.who || ' cannot insert invitations');
  END LOOP;
END
$do$;
SELECT tests.act_as_claiming(tests.c_id('eve'), 'bob@example.com');
SELECT tests.assert_eq(tests.row_count('SELECT id FROM public.team_invitations'), 0::bigint,
                       'a token claiming the invitee''s address for another account sees nothing');
SELECT tests.assert_eq(public.list_my_team_invitations(), '[]'::jsonb, 'and lists nothing');
SELECT tests.act_as_claiming(tests.c_id('una'), 'bob@example.com');
SELECT tests.assert_eq(tests.row_count('SELECT id FROM public.team_invitations'), 0::bigint, 'nor does an unconfirmed account');
SELECT tests.act_as_claiming(tests.c_id('bob'), 'eve@example.com');
SELECT tests.assert_eq(tests.row_count('SELECT id FROM public.team_invitations'), 1::bigint,
                       'the invitee sees theirs whatever the token claims');
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT id FROM public.team_invitations', '42501', 'anon reads no invitation');

-- The invitee's list, and the team's (owner or admin).
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq((SELECT jsonb_agg(e - 'expires_at' - 'created_at') FROM jsonb_array_elements(public.list_my_team_invitations()) AS e),
                       jsonb_build_array(jsonb_build_object('id', tests.c_id('inv_bob'), 'team_id', tests.c_id('team'),
                         'email', 'bob@example.com', 'role', 'member', 'status', 'pending',
                         'team_name', 'Rockets', 'invited_by_email', 'olivia@example.com')),
                       'the invitee lists their invitation with the team''s name and who invited');
SELECT tests.assert_raises(format('SELECT public.list_team_invitations(%L)', tests.c_id('team')), 'P0002',
                           'the invitee cannot list the team''s invitations');
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_eq((SELECT array_agg(e ->> 'email' ORDER BY e ->> 'email') FROM jsonb_array_elements(public.list_team_invitations(tests.c_id('team'))) AS e),
                       ARRAY['bob@example.com', 'ghost@example.com'], 'an admin lists the team''s pending invitations');
SELECT tests.act_as(tests.c_id('mia'));
SELECT tests.assert_raises(format('SELECT public.list_team_invitations(%L)', tests.c_id('team')), '42501', 'a plain member cannot');
SELECT tests.assert_eq(public.list_my_team_invitations(), '[]'::jsonb, 'nothing is addressed to mia');

---------------------------------------------------------------------------------------------------
-- Accepting: the invitee only
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_bob')), '42501',
                           'an outsider cannot accept bob''s invitation by id');
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(p_invite_code => %L)', current_setting('t.bob_code')),
                           '42501', 'nor with its code');
SELECT tests.assert_raises(format('SELECT public.decline_team_invitation(%L)', tests.c_id('inv_bob')), '42501', 'nor decline it');
SELECT tests.act_as_claiming(tests.c_id('eve'), 'bob@example.com');
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_bob')), '42501',
                           'nor with a token claiming bob''s address');
SELECT tests.act_as(tests.c_id('olivia'));
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_bob')), '42501',
                           'the inviter cannot accept for the invitee');
SELECT tests.act_as_owner();
UPDATE auth.users SET email_confirmed_at = NULL WHERE id = tests.c_id('bob');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_bob')), '42501',
                           'the invitee cannot accept before confirming their address');
SELECT tests.act_as_owner();
UPDATE auth.users SET email_confirmed_at = now() WHERE id = tests.c_id('bob');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', gen_random_uuid()), 'P0002', 'an unknown id');
SELECT tests.assert_eq(public.accept_team_invitation(p_invite_code => 'nope'), NULL::jsonb, 'an unknown code answers NULL (0040: the try is counted)');
SELECT tests.assert_raises('SELECT public.accept_team_invitation()', '22023', 'neither id nor code');
SELECT tests.assert_raises(format($$SELECT public.accept_team_invitation(%L, 'x')$$, tests.c_id('inv_bob')), '22023', 'both id and code');
SELECT tests.act_as_anon();
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_bob')), '42501', 'anon cannot accept');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT count(*) FROM public.team_members WHERE user_id = tests.c_id('bob')), 0::bigint,
                       'the refusals made nobody a member');
SELECT tests.assert_eq((SELECT status FROM public.team_invitations WHERE id = tests.c_id('inv_bob')), 'pending', 'and left it pending');

-- bob accepts with the code from his mail.
SELECT tests.act_as(tests.c_id('bob'));
SELECT set_config('t.accepted', public.accept_team_invitation(p_invite_code => current_setting('t.bob_code'))::text, true);
SELECT tests.assert_eq(current_setting('t.accepted')::jsonb -> 'invitation' ->> 'status', 'accepted', 'the invitation is accepted');
SELECT tests.assert_eq(current_setting('t.accepted')::jsonb -> 'team' ->> 'my_role', 'member', 'bob is a member');
SELECT tests.assert_eq((current_setting('t.accepted')::jsonb -> 'team' ->> 'member_count')::integer, 4, 'of four');
SELECT tests.assert_eq(public.is_team_member(tests.c_id('team')), true, 'bob is a member now');
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_bob')), '23514',
                           'an accepted invitation is not accepted again');
SELECT tests.assert_raises(format('SELECT public.decline_team_invitation(%L)', tests.c_id('inv_bob')), '23514',
                           'nor declined');
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT m.invited_by = tests.c_id('olivia') AND m.role = 'member' AND m.is_active
                            AND i.accepted_by = tests.c_id('bob') AND i.accepted_at = now()
                     FROM public.team_members m JOIN public.team_invitations i ON i.id = tests.c_id('inv_bob')
                     WHERE m.team_id = tests.c_id('team') AND m.user_id = tests.c_id('bob')),
                    'membership: invited_by and role from the invitation; the invitation: accepted_by and accepted_at');

---------------------------------------------------------------------------------------------------
-- Declining, revoking, refreshing, expiring
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('adam'));
SELECT set_config('t.inv_una', public.add_team_member(tests.c_id('team'), 'una@example.com') ->> 'id', true);
SELECT tests.act_as(tests.c_id('una'));
SELECT tests.assert_raises(format('SELECT public.decline_team_invitation(%L)', tests.c_id('inv_una')), '42501',
                           'an unconfirmed account cannot decline either');
SELECT tests.act_as_owner();
UPDATE auth.users SET email_confirmed_at = now() WHERE id = tests.c_id('una');
SELECT tests.act_as(tests.c_id('una'));
SELECT tests.assert_eq(public.decline_team_invitation(tests.c_id('inv_una')) ->> 'status', 'declined', 'once confirmed, una declines');
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_una')), '23514',
                           'a declined invitation cannot be accepted');
SELECT tests.assert_eq(public.is_team_member(tests.c_id('team')), false, 'una did not join');

-- Revoking: owner or admin of the invitation's team.
SELECT tests.act_as(tests.c_id('olivia'));
SELECT set_config('t.inv_eve', public.add_team_member(tests.c_id('team'), 'eve@example.com') ->> 'id', true);
SELECT tests.act_as(tests.c_id('mia'));
SELECT tests.assert_raises(format('SELECT public.revoke_team_invitation(%L)', tests.c_id('inv_eve')), '42501', 'a plain member cannot revoke');
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_raises(format('SELECT public.revoke_team_invitation(%L)', tests.c_id('inv_eve')), 'P0002',
                           'the invitee cannot revoke (the team is not theirs)');
SELECT tests.assert_raises(format('SELECT public.revoke_team_invitation(%L)', gen_random_uuid()), 'P0002', 'an unknown id');
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_eq(public.revoke_team_invitation(tests.c_id('inv_eve')) ->> 'status', 'revoked', 'an admin revokes');
SELECT tests.assert_raises(format('SELECT public.revoke_team_invitation(%L)', tests.c_id('inv_eve')), '23514', 'revoking twice');
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_eve')), '23514',
                           'a revoked invitation cannot be accepted');
SELECT tests.assert_eq(public.list_my_team_invitations(), '[]'::jsonb, 'nor is it listed');

-- Inviting the same address again refreshes its pending invitation: same id, new code, role and
-- expiry, mailed again.
SELECT tests.act_as_owner();
UPDATE public.team_invitations SET expires_at = now() - interval '1 minute', created_at = now() - interval '8 days'
 WHERE id = tests.c_id('inv_ghost');
SELECT set_config('t.ghost_code', (SELECT invite_code FROM public.team_invitations WHERE id = tests.c_id('inv_ghost')), true);
SELECT tests.act_as(tests.c_id('adam'));
SELECT tests.assert_eq(public.add_team_member(tests.c_id('team'), 'ghost@example.com', 'manager') - 'expires_at',
                       jsonb_build_object('id', tests.c_id('inv_ghost'), 'team_id', tests.c_id('team'), 'email', 'ghost@example.com',
                                          'role', 'manager', 'status', 'pending'),
                       'the expired pending invitation is refreshed, with the new role');
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT invite_code <> current_setting('t.ghost_code') AND expires_at = now() + interval '7 days'
                            AND invited_by = tests.c_id('adam')
                     FROM public.team_invitations WHERE id = tests.c_id('inv_ghost')),
                    'a new code, a new expiry, the new inviter');
SELECT tests.assert_eq((SELECT count(*) FROM auth.mail_outbox WHERE recipient = 'ghost@example.com' AND template = 'team_invitation'),
                       2::bigint, 'mailed again');
SELECT tests.assert_eq((SELECT count(*) FROM public.team_invitations WHERE invitee_email = 'ghost@example.com'), 1::bigint,
                       'still one invitation');

-- An expired invitation is refused, and holds no seat.
SELECT tests.act_as(tests.c_id('olivia'));
SELECT set_config('t.inv_eve2', public.add_team_member(tests.c_id('team'), 'eve@example.com') ->> 'id', true);
SELECT tests.act_as_owner();
UPDATE public.team_invitations SET expires_at = now() - interval '1 second' WHERE id = tests.c_id('inv_eve2');
SELECT tests.act_as(tests.c_id('eve'));
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_eve2')), '23514',
                           'an expired invitation cannot be accepted');

---------------------------------------------------------------------------------------------------
-- Seats: members plus pending invitations within max_members; acceptance under the team lock
---------------------------------------------------------------------------------------------------
-- Active: olivia, adam, mia, bob (4). Pending and unexpired: ghost (1). eve's has expired.
SELECT tests.act_as_service();
UPDATE public.teams SET max_members = 6 WHERE id = tests.c_id('team');
SELECT tests.act_as(tests.c_id('adam'));
SELECT set_config('t.inv_una2', public.add_team_member(tests.c_id('team'), 'una@example.com') ->> 'id', true);
SELECT tests.assert_raises(format($$SELECT public.add_team_member(%L, 'zed@example.com')$$, tests.c_id('team')), '23514',
                           '4 members and 2 pending invitations fill 6 seats');
SELECT tests.assert_eq(public.add_team_member(tests.c_id('team'), 'ghost@example.com') ->> 'status', 'pending',
                       'refreshing a pending invitation takes no new seat');
SELECT public.revoke_team_invitation(tests.c_id('inv_ghost'));
SELECT tests.assert_eq(public.add_team_member(tests.c_id('team'), 'zed@example.com') ->> 'status', 'pending',
                       'a revoked invitation frees its seat');
-- The server shrinks the team below its promises: acceptance still never exceeds max_members.
SELECT tests.act_as_service();
UPDATE public.teams SET max_members = 4 WHERE id = tests.c_id('team');
SELECT tests.act_as(tests.c_id('una'));
SELECT tests.assert_raises(format('SELECT public.accept_team_invitation(%L)', tests.c_id('inv_una2')), '23514',
                           'accepting into a full team is refused');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT status FROM public.team_invitations WHERE id = tests.c_id('inv_una2')), 'pending',
                       'the refused invitation stays pending');
SELECT tests.assert((SELECT position('lock_team_for_membership' IN prosrc) BETWEEN 1 AND position('max_members' IN prosrc)
                     FROM pg_proc WHERE oid = 'public.add_team_member(uuid,text,text)'::regprocedure),
                    'inviting takes the team lock before counting seats');
SELECT tests.assert((SELECT position('FOR UPDATE' IN prosrc) > 0 FROM pg_proc
                     WHERE oid = 'internal.invitation_for_invitee(uuid,text)'::regprocedure),
                    'answering locks the invitation');

-- A deactivated member who is invited again is reactivated on accepting, with the new role.
SELECT tests.act_as_service();
UPDATE public.teams SET max_members = 10 WHERE id = tests.c_id('team');
SELECT tests.act_as(tests.c_id('olivia'));
UPDATE public.team_members SET is_active = false WHERE team_id = tests.c_id('team') AND user_id = tests.c_id('mia');
SELECT set_config('t.inv_mia2', public.add_team_member(tests.c_id('team'), 'mia@example.com', 'manager') ->> 'id', true);
SELECT tests.act_as(tests.c_id('mia'));
SELECT tests.assert_eq(public.accept_team_invitation(tests.c_id('inv_mia2')) -> 'team' ->> 'my_role', 'manager',
                       'a deactivated member rejoins with the invitation''s role');

---------------------------------------------------------------------------------------------------
-- Invitation mails: at most 50 per team and 100 per inviter in any 24 hours
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('eve'));
WITH t AS (INSERT INTO public.teams (name) VALUES ('Spam 1') RETURNING id) SELECT set_config('t.spam1', (SELECT id FROM t)::text, true);
WITH t AS (INSERT INTO public.teams (name) VALUES ('Spam 2') RETURNING id) SELECT set_config('t.spam2', (SELECT id FROM t)::text, true);
WITH t AS (INSERT INTO public.teams (name) VALUES ('Spam 3') RETURNING id) SELECT set_config('t.spam3', (SELECT id FROM t)::text, true);
DO $do$
BEGIN
  -- Inviting and revoking the same victim over and over: every invitation mailed counts.
  FOR i IN 1..50 LOOP
    PERFORM public.revoke_team_invitation((public.add_team_member(tests.c_id('spam1'), 'victim@example.com') ->> 'id')::uuid);
  END LOOP;
  PERFORM tests.assert_raises(format($$SELECT public.add_team_member(%L, 'victim@example.com')$$, tests.c_id('spam1')), 'PT429',
                              'the 51st invitation of a team in 24 hours is refused');
  PERFORM tests.assert_raises(format($$SELECT public.add_team_member(%L, 'someone.else@example.com')$$, tests.c_id('spam1')), 'PT429',
                              'to any address');
  FOR i IN 1..50 LOOP
    PERFORM public.revoke_team_invitation((public.add_team_member(tests.c_id('spam2'), 'victim@example.com') ->> 'id')::uuid);
  END LOOP;
  PERFORM tests.assert_raises(format($$SELECT public.add_team_member(%L, 'victim@example.com')$$, tests.c_id('spam3')), 'PT429',
                              'a new team does not reset the inviter''s 100 a day');
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT count(*) FROM auth.mail_outbox WHERE recipient = 'victim@example.com'), 100::bigint,
                          'exactly 100 mails were queued');
  -- Another admin of a capped team is capped too; the teams of others are not.
  PERFORM tests.act_as(tests.c_id('olivia'));
  PERFORM tests.assert_eq(public.add_team_member(tests.c_id('team'), 'victim@example.com') ->> 'status', 'pending',
                          'other teams and inviters are not affected');
  PERFORM tests.act_as_owner();
  UPDATE internal.team_invitation_sends SET sent_at = sent_at - interval '24 hours 1 second';
  PERFORM tests.act_as(tests.c_id('eve'));
  PERFORM tests.assert_eq(public.add_team_member(tests.c_id('spam3'), 'victim@example.com') ->> 'status', 'pending',
                          'after 24 hours the inviter may invite again');
  PERFORM tests.act_as_owner();
  PERFORM tests.assert_eq((SELECT count(*) FROM internal.team_invitation_sends WHERE inviter_id = tests.c_id('eve')), 1::bigint,
                          'rows older than 24 hours are cleared as the inviter goes');
END
$do$;

---------------------------------------------------------------------------------------------------
-- Partner invitations: listed and counted for the confirmed address only
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('olivia'));
SELECT public.create_partner_invitation('bob@example.com');
SELECT tests.act_as_claiming(tests.c_id('eve'), 'bob@example.com');
SELECT tests.assert_eq(public.list_partner_invitations() -> 'received', '[]'::jsonb,
                       'a token claiming bob''s address lists none of his invitations');
SELECT tests.assert_eq((public.get_partner_status() ->> 'pending_received')::integer, 0, 'nor counts them');
SELECT tests.act_as_claiming(tests.c_id('bob'), NULL);
SELECT tests.assert_eq(jsonb_array_length(public.list_partner_invitations() -> 'received'), 1,
                       'bob lists his invitation whatever his token claims');
SELECT tests.assert_eq((public.get_partner_status() ->> 'pending_received')::integer, 1, 'and counts it');
SELECT tests.act_as_owner();
UPDATE auth.users SET email_confirmed_at = NULL WHERE id = tests.c_id('bob');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(public.list_partner_invitations() -> 'received', '[]'::jsonb, 'an unconfirmed address lists nothing');
SELECT tests.assert_eq((public.get_partner_status() ->> 'pending_received')::integer, 0, 'and counts nothing');
