-- 0040: invitation codes of 8 characters of A-Z0-9, server-issued or (partner invitations)
-- chosen by the inviter, unique; a typed code is trimmed and upper-cased; each user may try 10
-- codes an hour — an unknown code answers NULL so that the try is counted, the 11th is PT429 —
-- and a right code still only answers for the invitee's confirmed email.
SELECT set_config('t.alice', tests.create_user('alice@codes.test')::text, true);
SELECT set_config('t.bob', tests.create_user('bob@codes.test')::text, true);
SELECT set_config('t.eve', tests.create_user('eve@codes.test')::text, true);
UPDATE auth.users SET email_confirmed_at = now();
CREATE FUNCTION tests.uid(p_name text) RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT current_setting('t.' || p_name)::uuid $$;
GRANT EXECUTE ON FUNCTION tests.uid(text) TO PUBLIC;

-- The generator: 8 characters of A-Z0-9, every character of the alphabet in use.
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT bool_and(internal.new_invite_code() ~ '^[A-Z0-9]{8}$') FROM generate_series(1, 500)), 'codes are 8 characters of A-Z0-9');
SELECT tests.assert_eq((SELECT count(DISTINCT c) FROM (SELECT regexp_split_to_table(internal.new_invite_code(), '') AS c FROM generate_series(1, 500)) s), 36::bigint, 'all 36 characters occur');
SELECT tests.assert_eq((SELECT count(DISTINCT internal.new_invite_code()) FROM generate_series(1, 1000)), 1000::bigint, 'a thousand codes differ');

-- Server-issued and chosen partner codes (the manager dashboard's insert), upper-cased; a
-- taken code is refused; a malformed one too.
SELECT tests.act_as(tests.uid('alice'));
INSERT INTO public.partner_invitations (invitee_email) VALUES ('bob@codes.test');
SELECT tests.assert((SELECT invite_code ~ '^[A-Z0-9]{8}$' FROM public.partner_invitations WHERE invitee_email = 'bob@codes.test'), 'a server-issued code');
INSERT INTO public.partner_invitations (inviter_id, invitee_email, invite_code, message, expires_at)
VALUES (tests.uid('alice'), 'eve@codes.test', 'k3x9q2zp', 'join us', now() + interval '7 days');
SELECT tests.assert_eq((SELECT invite_code FROM public.partner_invitations WHERE invitee_email = 'eve@codes.test'), 'K3X9Q2ZP', 'a chosen code, upper-cased');
SELECT tests.act_as(tests.uid('bob'));
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email, invite_code) VALUES ('alice@codes.test', 'K3X9Q2ZP')$$, '23505', 'a taken code is refused');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email, invite_code) VALUES ('alice@codes.test', 'SHORT')$$, '23514', 'a code of 5 characters is refused');
SELECT tests.assert_raises($$INSERT INTO public.partner_invitations (invitee_email, invite_code) VALUES ('alice@codes.test', 'ÄBCDEFGH')$$, '23514', 'a code outside A-Z0-9 is refused');

-- Eve holds the right code of an invitation addressed to her: a lower-case, padded typing works.
SELECT tests.act_as(tests.uid('eve'));
SELECT tests.assert(public.accept_partner_invitation('  k3x9q2zp ') IS NOT NULL, 'the invitee accepts with the typed code');
-- Bob guesses: unknown codes answer NULL and change nothing; the 11th try of the hour is refused.
SELECT tests.act_as(tests.uid('bob'));
SELECT tests.assert_eq(public.accept_partner_invitation('ZZZZZZZZ'), NULL::uuid, 'an unknown code answers NULL');
SELECT tests.assert_eq(public.decline_partner_invitation('ZZZZZZZY'), NULL::boolean, 'declining an unknown code answers NULL');
SELECT public.accept_partner_invitation('GUESS' || n::text || 'AA') FROM generate_series(100, 107) AS n;
SELECT tests.assert_raises($$SELECT public.accept_partner_invitation((SELECT 'WRONG' || 'ONE'))$$, 'PT429', 'the 11th try in an hour is refused');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT hits FROM auth.rate_limits WHERE bucket = 'invite_code:' || tests.uid('bob')), 10, 'ten tries were counted');
-- Even the right code is refused now, until the window passes.
SELECT tests.act_as(tests.uid('bob'));
SELECT tests.assert_raises($$SELECT public.accept_partner_invitation((SELECT invite_code FROM public.partner_invitations WHERE invitee_email = 'bob@codes.test'))$$,
                           'PT429', 'no more tries this hour, right code or not');
SELECT tests.act_as_owner();
DELETE FROM auth.rate_limits WHERE bucket = 'invite_code:' || tests.uid('bob');
-- A right code addressed to someone else is still not theirs.
SELECT tests.act_as(tests.uid('bob'));
SELECT tests.assert_raises($$SELECT public.accept_partner_invitation('K3X9Q2ZP')$$, '42501', 'another''s (already used) invitation is refused');
SELECT tests.act_as_owner();
SELECT set_config('t.bob_code', (SELECT invite_code FROM public.partner_invitations WHERE invitee_email = 'bob@codes.test'), true);
SELECT tests.act_as(tests.uid('eve'));
SELECT tests.assert_raises($$SELECT public.accept_partner_invitation(current_setting('t.bob_code'))$$, '42501', 'a code addressed to bob is refused for eve');

-- Team invitations: codes are the server's alone, a new one each time the invitation is sent.
SELECT tests.act_as(tests.uid('alice'));
SELECT set_config('t.team', (public.create_team('{"name": "Codes"}'::jsonb) ->> 'id'), true);
SELECT public.add_team_member(current_setting('t.team')::uuid, 'bob@codes.test', 'member');
SELECT tests.act_as_owner();
SELECT set_config('t.code1', (SELECT invite_code FROM public.team_invitations WHERE invitee_email = 'bob@codes.test'), true);
SELECT tests.assert(current_setting('t.code1') ~ '^[A-Z0-9]{8}$', 'a team code is 8 characters of A-Z0-9');
SELECT tests.act_as(tests.uid('alice'));
SELECT public.add_team_member(current_setting('t.team')::uuid, 'bob@codes.test', 'member');
SELECT tests.act_as_owner();
SELECT tests.assert((SELECT invite_code <> current_setting('t.code1') AND invite_code ~ '^[A-Z0-9]{8}$' FROM public.team_invitations WHERE invitee_email = 'bob@codes.test'),
                    'sending again issues a new code');
UPDATE public.team_invitations SET invite_code = 'CHOSEN12' WHERE invitee_email = 'bob@codes.test';
SELECT tests.assert((SELECT invite_code <> 'CHOSEN12' FROM public.team_invitations WHERE invitee_email = 'bob@codes.test'), 'even the server cannot choose a team code');
SELECT tests.act_as(tests.uid('eve'));
SELECT tests.assert_eq(public.accept_team_invitation(NULL, 'NOPE0000'), NULL::jsonb, 'an unknown team code answers NULL');
SELECT tests.assert_raises($$SELECT public.accept_team_invitation(gen_random_uuid(), NULL)$$, 'P0002', 'an unknown invitation id is still 404');
SELECT tests.act_as_owner();
SELECT set_config('t.code2', (SELECT lower(invite_code) FROM public.team_invitations WHERE invitee_email = 'bob@codes.test'), true);
SELECT tests.act_as(tests.uid('bob'));
SELECT tests.assert((public.accept_team_invitation(NULL, current_setting('t.code2')) -> 'team' ->> 'id') = current_setting('t.team'),
                    'the invitee joins with the typed code');
