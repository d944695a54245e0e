-- 0006 partners: partner_invitations, partner_connections, shared_goals and the partner functions
-- (accept / decline / expire / end / get), written from the attacker's side.

-- Fixtures: ids are kept in transaction-local settings (t.<name>) so every role can read them.
CREATE FUNCTION tests.c_id(p_name text) RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('t.' || p_name, true), '')::uuid $$;
CREATE FUNCTION tests.c_code(p_name text) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT current_setting('t.' || p_name, true) $$;
GRANT EXECUTE ON FUNCTION tests.c_id(text), tests.c_code(text) TO PUBLIC;

SELECT set_config('t.alice', tests.create_user('alice@example.com')::text, true);
SELECT set_config('t.bob', tests.create_user('bob@example.com')::text, true);
SELECT set_config('t.carol', tests.create_user('carol@example.com')::text, true);
SELECT set_config('t.dave', tests.create_user('dave@example.com')::text, true);
-- Every one of them confirmed their address: an invitation is the business of the account whose
-- confirmed address it names.
UPDATE auth.users SET email_confirmed_at = now();

---------------------------------------------------------------------------------------------------
-- Invitations: creating one
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('alice'));
WITH i AS (
  INSERT INTO public.partner_invitations (invitee_email, message)
  VALUES ('  Bob@Example.COM ', 'Keep me honest') RETURNING invite_code
)
SELECT set_config('t.code_ab', (SELECT invite_code FROM i), true);

SELECT tests.assert_eq((SELECT invitee_email FROM public.partner_invitations WHERE invite_code = tests.c_code('code_ab')),
                       'bob@example.com', 'invitee_email is trimmed and lower-cased');
SELECT tests.assert((SELECT inviter_id = tests.c_id('alice') AND status = 'pending' AND expires_at = now() + interval '7 days'
                            AND accepted_at IS NULL AND accepted_by IS NULL AND declined_at IS NULL
                     FROM public.partner_invitations WHERE invite_code = tests.c_code('code_ab')),
                    'defaults: inviter = caller, pending, expires in 7 days, no acceptance stamps');
SELECT tests.assert(tests.c_code('code_ab') ~ '^[A-Z0-9]{8}$', 'invite_code is 8 characters of A-Z0-9 (0040)');
SELECT tests.assert((SELECT count(DISTINCT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
                     FROM generate_series(1, 50)) = 50, 'code generator yields distinct codes');

-- Attacks on INSERT: another inviter, own email, server-managed columns, far expiry.
SELECT tests.assert_raises(format($$INSERT INTO public.partner_invitations (inviter_id, invitee_email)
                                   VALUES (%L, 'carol@example.com')$$, tests.c_id('bob')),
                           '42501', 'cannot create an invitation in another user''s name');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email) VALUES (' ALICE@example.com')$$,
                           '42501', 'cannot invite one''s own email (after normalisation)');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email, invite_code)
                             VALUES ('carol@example.com', repeat('a', 64))$$,
                           '23514', 'a chosen invite_code must be 8 characters of A-Z0-9 (0040)');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email, status)
                             VALUES ('carol@example.com', 'accepted')$$,
                           '42501', 'cannot choose the status');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email, accepted_by)
                             VALUES ('carol@example.com', auth.uid())$$,
                           '42501', 'cannot set accepted_by');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email, expires_at)
                             VALUES ('carol@example.com', now() + interval '30 days 1 second')$$,
                           '23514', 'expiry more than 30 days ahead is refused');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email) VALUES ('   ')$$,
                           '23514', 'an empty invitee email is refused');
SELECT tests.assert_eq(tests.affected($$INSERT INTO public.partner_invitations (invitee_email, expires_at)
                                        VALUES ('carol@example.com', now() + interval '30 days')$$),
                       1::bigint, 'expiry exactly 30 days ahead is allowed');
-- No UPDATE for end users, not even the inviter.
SELECT tests.assert_raises($$UPDATE public.partner_invitations SET message = 'edited'$$, '42501',
                           'inviter cannot update an invitation');
SELECT tests.assert_raises($$UPDATE public.partner_invitations SET status = 'accepted'$$, '42501',
                           'inviter cannot accept by UPDATE');

-- An invitation alice sends to dave (used for the withdraw test).
INSERT INTO public.partner_invitations (invitee_email) VALUES ('dave@example.com');

---------------------------------------------------------------------------------------------------
-- Invitations: who sees and deletes what
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.partner_invitations'), 1::bigint,
                       'the invitee sees exactly the invitation addressed to their email');
SELECT tests.assert_eq(tests.affected('DELETE FROM public.partner_invitations'), 0::bigint,
                       'the invitee cannot delete the invitation');
SELECT tests.assert_raises($$UPDATE public.partner_invitations SET status = 'accepted'$$, '42501',
                           'the invitee cannot accept by UPDATE');
-- The token's email claim grants nothing: the invitee is the account whose confirmed address the
-- invitation names.
SELECT set_config('request.jwt.claims', jsonb_build_object('sub', tests.c_id('bob'), 'role', 'authenticated')::text, true);
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.partner_invitations'), 1::bigint,
                       'without an email claim the invitee still sees it');
SELECT set_config('request.jwt.claims',
                  jsonb_build_object('sub', tests.c_id('dave'), 'role', 'authenticated', 'email', 'bob@example.com')::text, true);
SELECT tests.assert_eq(tests.row_count($$SELECT 1 FROM public.partner_invitations WHERE invitee_email = 'bob@example.com'$$), 0::bigint,
                       'a token claiming the invitee''s address for another account sees nothing');
SELECT tests.act_as_owner();
UPDATE auth.users SET email_confirmed_at = NULL WHERE id = tests.c_id('bob');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.partner_invitations'), 0::bigint,
                       'the invitee sees nothing while their address is unconfirmed');
SELECT tests.act_as_owner();
UPDATE auth.users SET email_confirmed_at = now() WHERE id = tests.c_id('bob');

SELECT tests.act_as(tests.c_id('carol'));
SELECT tests.assert_eq(tests.row_count($$SELECT 1 FROM public.partner_invitations WHERE invitee_email <> 'carol@example.com'$$),
                       0::bigint, 'a third user sees no other invitation');
SELECT tests.assert_eq(tests.affected($$DELETE FROM public.partner_invitations WHERE invitee_email <> 'carol@example.com'$$),
                       0::bigint, 'a third user deletes nothing');
SELECT tests.assert_eq(tests.affected($$DELETE FROM public.partner_invitations$$), 0::bigint,
                       'the invitee of a pending invitation cannot delete it either');

SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT 1 FROM public.partner_invitations', '42501', 'anon cannot select invitations');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (inviter_id, invitee_email) VALUES (gen_random_uuid(), 'x@example.com')$$,
                           '42501', 'anon cannot insert invitations');
SELECT tests.assert_raises('DELETE FROM public.partner_invitations', '42501', 'anon cannot delete invitations');
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_ab')), '42501',
                           'anon cannot execute accept_partner_invitation');
SELECT tests.assert_raises(format('SELECT public.decline_partner_invitation(%L)', tests.c_code('code_ab')), '42501',
                           'anon cannot execute decline_partner_invitation');
SELECT tests.assert_raises('SELECT * FROM public.get_partner_connection()', '42501',
                           'anon cannot execute get_partner_connection');
SELECT tests.assert_raises('SELECT public.end_partner_connection(gen_random_uuid())', '42501',
                           'anon cannot execute end_partner_connection');
SELECT tests.assert_raises('SELECT public.expire_partner_invitations()', '42501',
                           'anon cannot execute expire_partner_invitations');

-- Withdrawal: the inviter deletes a pending invitation.
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(tests.affected($$DELETE FROM public.partner_invitations WHERE invitee_email = 'dave@example.com'$$),
                       1::bigint, 'the inviter withdraws a pending invitation');

-- The invite_code CHECK holds even for the server.
SELECT tests.act_as_service();
SELECT tests.assert_raises(format($$INSERT INTO public.partner_invitations (inviter_id, invitee_email, invite_code)
                                   VALUES (%L, 'x@example.com', 'ABC-1234')$$, tests.c_id('alice')),
                           '23514', 'an invite_code outside A-Z0-9 is refused');
SELECT tests.assert_raises(format($$INSERT INTO public.partner_invitations (inviter_id, invitee_email, status)
                                   VALUES (%L, 'x@example.com', 'maybe')$$, tests.c_id('alice')),
                           '23514', 'status CHECK');
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.partner_invitations'), 2::bigint,
                       'service_role sees every invitation');

---------------------------------------------------------------------------------------------------
-- accept_partner_invitation: every refusal changes nothing
---------------------------------------------------------------------------------------------------
-- Fixture: an expired invitation from alice to bob (created as the server, back-dated).
SELECT tests.act_as_owner();
WITH i AS (
  INSERT INTO public.partner_invitations (inviter_id, invitee_email, created_at, expires_at)
  VALUES (tests.c_id('alice'), 'bob@example.com', now() - interval '10 days', now() - interval '1 second')
  RETURNING invite_code
)
SELECT set_config('t.code_expired', (SELECT invite_code FROM i), true);

SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_ab')), '42501',
                           'the inviter cannot accept their own invitation');
-- Holding the code is not enough: an unconfirmed address, or a token claiming bob's address for
-- another account, cannot accept.
SELECT set_config('request.jwt.claims',
                  jsonb_build_object('sub', tests.c_id('dave'), 'role', 'authenticated', 'email', 'bob@example.com')::text, true);
SELECT set_config('role', 'authenticated', true);
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_ab')), '42501',
                           'a token claiming the invitee''s address for another account cannot accept');
SELECT tests.assert_raises(format('SELECT public.decline_partner_invitation(%L)', tests.c_code('code_ab')), '42501',
                           'nor decline');
SELECT tests.act_as_owner();
UPDATE auth.users SET email_confirmed_at = NULL WHERE id = tests.c_id('bob');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_ab')), '42501',
                           'the invitee cannot accept before confirming their address');
SELECT tests.act_as_owner();
UPDATE auth.users SET email_confirmed_at = now() WHERE id = tests.c_id('bob');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(public.accept_partner_invitation('nope'), NULL::uuid, 'an unknown code accepts nothing (NULL, 0040)');
SELECT tests.assert_eq(public.accept_partner_invitation(NULL), NULL::uuid, 'a NULL code accepts nothing');
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_expired')), '23514',
                           'an expired invitation cannot be accepted');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT status FROM public.partner_invitations WHERE invite_code = tests.c_code('code_expired')),
                       'pending', 'a refused acceptance leaves the expired invitation untouched');
SELECT tests.assert_eq((SELECT status FROM public.partner_invitations WHERE invite_code = tests.c_code('code_ab')),
                       'pending', 'a refused self-acceptance leaves the invitation pending');
SELECT tests.assert_eq((SELECT count(*) FROM public.partner_connections), 0::bigint, 'refusals created no connection');

-- Success: bob accepts alice's invitation.
SELECT tests.act_as(tests.c_id('bob'));
SELECT set_config('t.conn_ab', public.accept_partner_invitation(tests.c_code('code_ab'))::text, true);
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT user_id = tests.c_id('alice') AND partner_id = tests.c_id('bob') AND status = 'active'
                            AND connected_at = now() AND ended_at IS NULL AND ended_by IS NULL
                     FROM public.partner_connections WHERE id = tests.c_id('conn_ab')),
                    'accepting creates an active connection inviter -> accepter');
SELECT tests.assert((SELECT status = 'accepted' AND accepted_at = now() AND accepted_by = tests.c_id('bob')
                     FROM public.partner_invitations WHERE invite_code = tests.c_code('code_ab')),
                    'accepting marks the invitation accepted, by and when');

-- A second acceptance of the same code, and any acceptance while the pair is active, are refused.
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_ab')), '23514',
                           'an accepted invitation cannot be accepted again');
SELECT tests.assert_eq(public.decline_partner_invitation(tests.c_code('code_ab')), false,
                       'an accepted invitation cannot be declined');
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(tests.affected($$DELETE FROM public.partner_invitations WHERE invite_code = tests.c_code('code_ab')$$),
                       0::bigint, 'an accepted invitation cannot be withdrawn');
-- bob invites alice back while the pair is active: refused in both directions.
SELECT tests.act_as(tests.c_id('bob'));
WITH i AS (INSERT INTO public.partner_invitations (invitee_email) VALUES ('alice@example.com') RETURNING invite_code)
SELECT set_config('t.code_ba', (SELECT invite_code FROM i), true);
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_ba')), '23514',
                           'a pair with an active connection cannot connect again (reverse direction)');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT status FROM public.partner_invitations WHERE invite_code = tests.c_code('code_ba')),
                       'pending', 'the refused invitation stays pending');
SELECT tests.assert_eq((SELECT count(*) FROM public.partner_connections), 1::bigint, 'still one connection');

-- The code is not the credential: carol cannot accept an invitation addressed to someone else.
SELECT tests.act_as(tests.c_id('alice'));
WITH i AS (INSERT INTO public.partner_invitations (invitee_email) VALUES ('someone@example.org') RETURNING invite_code)
SELECT set_config('t.code_other', (SELECT invite_code FROM i), true);
SELECT tests.act_as(tests.c_id('carol'));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.partner_invitations WHERE invite_code = tests.c_code(''code_other'')'),
                       0::bigint, 'carol cannot see an invitation addressed to another email');
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_other')), '42501',
                           'carol, holding the code of an invitation to another address, cannot accept it');
SELECT tests.assert_raises(format('SELECT public.decline_partner_invitation(%L)', tests.c_code('code_other')), '42501',
                           'nor decline it');
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(tests.affected($$DELETE FROM public.partner_invitations WHERE invite_code = tests.c_code('code_other')$$),
                       1::bigint, 'it stayed pending: alice withdraws it');
-- alice invites carol herself, who accepts.
WITH i AS (INSERT INTO public.partner_invitations (invitee_email) VALUES ('carol@example.com') RETURNING invite_code)
SELECT set_config('t.code_ac', (SELECT invite_code FROM i), true);
SELECT tests.act_as(tests.c_id('carol'));
SELECT set_config('t.conn_ac', public.accept_partner_invitation(tests.c_code('code_ac'))::text, true);
SELECT tests.assert_eq((SELECT count(*) FROM public.partner_connections WHERE id = tests.c_id('conn_ac')
                        AND user_id = tests.c_id('alice') AND partner_id = tests.c_id('carol')),
                       1::bigint, 'carol, the invitee, is now alice''s partner');

---------------------------------------------------------------------------------------------------
-- partner_connections: RLS matrix
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.partner_connections'), 1::bigint,
                       'bob sees only his own connection');
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.partner_connections'), 2::bigint,
                       'alice sees both of her connections');
SELECT tests.act_as(tests.c_id('dave'));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.partner_connections'), 0::bigint,
                       'a third user sees no connection');
SELECT tests.assert_raises(format($$INSERT INTO public.partner_connections (user_id, partner_id) VALUES (%L, %L)$$,
                                  tests.c_id('dave'), tests.c_id('bob')), '42501', 'end users cannot insert connections');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_raises($$UPDATE public.partner_connections SET status = 'ended'$$, '42501',
                           'a party cannot update the connection directly');
SELECT tests.assert_raises('DELETE FROM public.partner_connections', '42501', 'a party cannot delete the connection');
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT 1 FROM public.partner_connections', '42501', 'anon cannot select connections');
SELECT tests.act_as_service();
SELECT tests.assert_raises(format($$INSERT INTO public.partner_connections (user_id, partner_id) VALUES (%L, %L)$$,
                                  tests.c_id('bob'), tests.c_id('alice')),
                           '23505', 'one row per pair: the reversed pair is a duplicate');
SELECT tests.assert_raises(format($$INSERT INTO public.partner_connections (user_id, partner_id) VALUES (%L, %L)$$,
                                  tests.c_id('dave'), tests.c_id('dave')),
                           '23514', 'a user cannot partner with themselves');
SELECT tests.assert_raises(format($$INSERT INTO public.partner_connections (user_id, partner_id, status) VALUES (%L, %L, 'paused')$$,
                                  tests.c_id('dave'), tests.c_id('bob')),
                           '23514', 'status CHECK');

---------------------------------------------------------------------------------------------------
-- get_partner_connection
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq((SELECT row(connection_id, partner_id, partner_email, connected_at)::text
                        FROM public.get_partner_connection()),
                       row(tests.c_id('conn_ab'), tests.c_id('alice'), 'alice@example.com'::text, now())::text,
                       'bob''s partner is alice');
SELECT tests.act_as_owner();
UPDATE public.partner_connections SET connected_at = now() - interval '1 day' WHERE id = tests.c_id('conn_ab');
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.get_partner_connection()'), 1::bigint,
                       'at most one row even with two active connections');
SELECT tests.assert_eq((SELECT partner_id FROM public.get_partner_connection()), tests.c_id('carol'),
                       'the most recent active connection is returned');
SELECT tests.act_as(tests.c_id('dave'));
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.get_partner_connection()'), 0::bigint,
                       'no row for a user without a partner');

---------------------------------------------------------------------------------------------------
-- shared_goals: party rules
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('alice'));
WITH g AS (
  INSERT INTO public.shared_goals (connection_id, title, target_value, unit)
  VALUES (tests.c_id('conn_ab'), 'Run a marathon', 42.2, 'km') RETURNING id, created_by, category, current_value, status
)
SELECT set_config('t.goal', (SELECT id FROM g WHERE created_by = tests.c_id('alice') AND category = 'general'
                                             AND current_value = 0 AND status = 'active')::text, true);
SELECT tests.assert(tests.c_id('goal') IS NOT NULL, 'a party creates a goal; created_by defaults to the caller');
SELECT tests.assert_raises(format($$INSERT INTO public.shared_goals (connection_id, title, created_by) VALUES (%L, 'x', %L)$$,
                                  tests.c_id('conn_ab'), tests.c_id('bob')),
                           '42501', 'cannot create a goal in the partner''s name');
SELECT tests.assert_raises(format($$INSERT INTO public.shared_goals (connection_id, title, category) VALUES (%L, 'x', 'hobby')$$,
                                  tests.c_id('conn_ab')),
                           '23514', 'category CHECK');
SELECT tests.assert_raises(format('DELETE FROM public.shared_goals WHERE id = %L', tests.c_id('goal')), '42501',
                           'goals cannot be deleted, only cancelled');

SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.shared_goals'), 1::bigint, 'the partner sees the goal');
SELECT tests.assert_eq(tests.affected(format('UPDATE public.shared_goals SET current_value = 10 WHERE id = %L', tests.c_id('goal'))),
                       1::bigint, 'the partner updates progress');
SELECT tests.assert_raises(format('UPDATE public.shared_goals SET created_by = auth.uid() WHERE id = %L', tests.c_id('goal')),
                           '42501', 'a party cannot re-attribute a goal');
SELECT tests.assert_raises(format('UPDATE public.shared_goals SET connection_id = %L WHERE id = %L',
                                  tests.c_id('conn_ac'), tests.c_id('goal')),
                           '42501', 'a party cannot move a goal to another partnership');

SELECT tests.act_as(tests.c_id('carol'));
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.shared_goals'), 0::bigint, 'a non-party sees no goal');
SELECT tests.assert_eq(tests.affected(format('UPDATE public.shared_goals SET title = ''pwned'' WHERE id = %L', tests.c_id('goal'))),
                       0::bigint, 'a non-party cannot update the goal');
SELECT tests.assert_raises(format($$INSERT INTO public.shared_goals (connection_id, title) VALUES (%L, 'spam')$$,
                                  tests.c_id('conn_ab')),
                           '42501', 'a non-party cannot add a goal to the connection');

SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT 1 FROM public.shared_goals', '42501', 'anon cannot select goals');
SELECT tests.assert_raises(format($$INSERT INTO public.shared_goals (connection_id, created_by, title) VALUES (%L, %L, 'x')$$,
                                  tests.c_id('conn_ab'), tests.c_id('alice')), '42501', 'anon cannot insert goals');
SELECT tests.assert_raises('UPDATE public.shared_goals SET title = ''x''', '42501', 'anon cannot update goals');

SELECT tests.act_as_service();
SELECT tests.assert_eq((SELECT current_value FROM public.shared_goals WHERE id = tests.c_id('goal')), 10.00::numeric(12,2),
                       'service_role reads the progress written by the partner');

---------------------------------------------------------------------------------------------------
-- end_partner_connection, then goals are frozen, then reactivation by a new invitation
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('carol'));
SELECT tests.assert_raises(format('SELECT public.end_partner_connection(%L)', tests.c_id('conn_ab')), 'P0002',
                           'a non-party cannot end someone else''s partnership');
SELECT tests.assert_raises('SELECT public.end_partner_connection(gen_random_uuid())', 'P0002',
                           'an unknown connection id is refused');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(public.end_partner_connection(tests.c_id('conn_ab')), true, 'either party ends the partnership');
SELECT tests.assert_eq(public.end_partner_connection(tests.c_id('conn_ab')), false, 'ending it again reports false');
SELECT tests.assert((SELECT status = 'ended' AND ended_at = now() AND ended_by = tests.c_id('bob')
                     FROM public.partner_connections WHERE id = tests.c_id('conn_ab')),
                    'ended: status, ended_at, ended_by');
SELECT tests.assert_eq(tests.row_count('SELECT 1 FROM public.shared_goals'), 0::bigint,
                       'goals of an ended partnership are no longer visible');
SELECT tests.assert_eq(tests.affected('UPDATE public.shared_goals SET current_value = 20'), 0::bigint,
                       'goals of an ended partnership cannot be updated');
SELECT tests.assert_raises(format($$INSERT INTO public.shared_goals (connection_id, title) VALUES (%L, 'again')$$,
                                  tests.c_id('conn_ab')),
                           '42501', 'no new goal on an ended partnership');
SELECT tests.assert_eq(tests.row_count('SELECT * FROM public.get_partner_connection()'), 0::bigint,
                       'get_partner_connection ignores ended partnerships');

-- bob's pending invitation to alice can now be accepted: the ended row is reactivated.
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_eq(public.accept_partner_invitation(tests.c_code('code_ba')), tests.c_id('conn_ab'),
                       'accepting reactivates the pair''s ended connection (same id)');
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT user_id = tests.c_id('bob') AND partner_id = tests.c_id('alice') AND status = 'active'
                            AND connected_at = now() AND ended_at IS NULL AND ended_by IS NULL
                     FROM public.partner_connections WHERE id = tests.c_id('conn_ab')),
                    'reactivated: new inviter/accepter sides, active, end stamps cleared');
SELECT tests.assert_eq((SELECT count(*) FROM public.partner_connections
                        WHERE tests.c_id('alice') IN (user_id, partner_id) AND tests.c_id('bob') IN (user_id, partner_id)),
                       1::bigint, 'still one row for the pair');
SELECT tests.assert_eq((SELECT current_value FROM public.shared_goals WHERE id = tests.c_id('goal')), 10.00::numeric(12,2),
                       'the pair''s goals come back with the reactivated partnership');

---------------------------------------------------------------------------------------------------
-- decline_partner_invitation and expire_partner_invitations
---------------------------------------------------------------------------------------------------
SELECT tests.act_as(tests.c_id('dave'));
WITH i AS (INSERT INTO public.partner_invitations (invitee_email) VALUES ('carol@example.com') RETURNING invite_code)
SELECT set_config('t.code_dc', (SELECT invite_code FROM i), true);
SELECT tests.assert_raises(format('SELECT public.decline_partner_invitation(%L)', tests.c_code('code_dc')), '42501',
                           'the inviter cannot decline their own invitation');
SELECT tests.act_as(tests.c_id('carol'));
SELECT tests.assert_eq(public.decline_partner_invitation('nope'), NULL::boolean, 'declining an unknown code declines nothing (NULL, 0040)');
SELECT tests.assert_raises(format('SELECT public.decline_partner_invitation(%L)', tests.c_code('code_expired')), '42501',
                           'carol cannot decline bob''s invitation');
SELECT tests.act_as(tests.c_id('bob'));
SELECT tests.assert_eq(public.decline_partner_invitation(tests.c_code('code_expired')), false,
                       'an expired invitation cannot be declined');
SELECT tests.act_as(tests.c_id('carol'));
SELECT tests.assert_eq(public.decline_partner_invitation(tests.c_code('code_dc')), true, 'the invitee declines');
SELECT tests.assert((SELECT status = 'declined' AND declined_at = now() AND accepted_by IS NULL
                     FROM public.partner_invitations WHERE invite_code = tests.c_code('code_dc')),
                    'declined: status and declined_at');
SELECT tests.assert_eq(public.decline_partner_invitation(tests.c_code('code_dc')), false, 'declining twice reports false');
SELECT tests.assert_raises(format('SELECT public.accept_partner_invitation(%L)', tests.c_code('code_dc')), '23514',
                           'a declined invitation cannot be accepted');
SELECT tests.act_as(tests.c_id('dave'));
SELECT tests.assert_eq(tests.affected('DELETE FROM public.partner_invitations'), 0::bigint,
                       'a declined invitation cannot be withdrawn');

-- Only the server expires invitations.
SELECT tests.act_as(tests.c_id('alice'));
SELECT tests.assert_raises('SELECT public.expire_partner_invitations()', '42501',
                           'end users cannot run expire_partner_invitations');
SELECT tests.act_as_service();
SELECT tests.assert_eq(public.expire_partner_invitations(), 1, 'the job expires the one stale pending invitation');
SELECT tests.assert_eq((SELECT status FROM public.partner_invitations WHERE invite_code = tests.c_code('code_expired')),
                       'expired', 'the stale invitation is marked expired');
SELECT tests.assert_eq((SELECT count(*) FROM public.partner_invitations WHERE status = 'pending'), 1::bigint,
                       'unexpired pending invitations are left alone');
SELECT tests.assert_eq(public.expire_partner_invitations(), 0, 'a second run finds nothing');

---------------------------------------------------------------------------------------------------
-- Deleting an account: its invitations and partnerships go, references to it become NULL.
---------------------------------------------------------------------------------------------------
SELECT tests.act_as_owner();
DELETE FROM auth.users WHERE id = tests.c_id('bob');
SELECT tests.assert_eq((SELECT count(*) FROM public.partner_connections
                        WHERE tests.c_id('bob') IN (user_id, partner_id)), 0::bigint,
                       'bob''s partnerships are deleted with his account');
SELECT tests.assert_eq((SELECT count(*) FROM public.partner_invitations WHERE inviter_id = tests.c_id('bob')), 0::bigint,
                       'bob''s invitations are deleted with his account');
SELECT tests.assert_eq((SELECT count(*) FROM public.shared_goals WHERE id = tests.c_id('goal')), 0::bigint,
                       'the goals of bob''s partnership are deleted with it');
SELECT tests.act_as_owner();
DELETE FROM auth.users WHERE id = tests.c_id('carol');
SELECT tests.assert_eq((SELECT count(*) FROM public.partner_invitations WHERE invite_code = tests.c_code('code_ac')
                        AND accepted_by IS NULL AND status = 'accepted'), 1::bigint,
                       'accepted_by becomes NULL when the accepter''s account is deleted');
