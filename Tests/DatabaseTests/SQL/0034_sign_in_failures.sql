-- Failed sign-ins back off per (email, address): free attempts, then waits that double up to
-- the cap; another address for the same email is not affected; success forgets the pair.
-- (now() is fixed within the transaction, so the waits are exact.)
SELECT auth.record_sign_in_failure('owner@fail.test', '10.0.0.1', 3, 60) FROM generate_series(1, 3);
SELECT tests.assert_eq(auth.sign_in_wait('owner@fail.test', '10.0.0.1'), 0, 'the free attempts cost nothing');
SELECT auth.record_sign_in_failure('owner@fail.test', '10.0.0.1', 3, 60);
SELECT tests.assert_eq(auth.sign_in_wait('owner@fail.test', '10.0.0.1'), 1, 'the first failure past them waits 1 s');
SELECT auth.record_sign_in_failure('owner@fail.test', '10.0.0.1', 3, 60);
SELECT tests.assert_eq(auth.sign_in_wait('owner@fail.test', '10.0.0.1'), 2, 'the next waits twice as long');
SELECT auth.record_sign_in_failure('owner@fail.test', '10.0.0.1', 3, 60) FROM generate_series(1, 10);
SELECT tests.assert_eq(auth.sign_in_wait('owner@fail.test', '10.0.0.1'), 60, 'waits stop at the cap');
SELECT auth.record_sign_in_failure('owner@fail.test', '10.0.0.1', 3, 60) FROM generate_series(1, 2000);
SELECT tests.assert_eq((SELECT failures FROM auth.sign_in_failures WHERE address = '10.0.0.1'), 1000, 'the count stays bounded');
SELECT tests.assert_eq(auth.sign_in_wait('owner@fail.test', '10.0.0.2'), 0, 'another address for the same email is not held back');
SELECT tests.assert_eq(auth.sign_in_wait('other@fail.test', '10.0.0.1'), 0, 'another email from the same address is not held back');
SELECT auth.clear_sign_in_failures('owner@fail.test', '10.0.0.1');
SELECT tests.assert_eq(auth.sign_in_wait('owner@fail.test', '10.0.0.1'), 0, 'a success forgets the pair');
-- A pair quiet for a day starts afresh.
SELECT auth.record_sign_in_failure('old@fail.test', '10.0.0.9', 1, 60) FROM generate_series(1, 5);
UPDATE auth.sign_in_failures SET last_failed_at = now() - interval '2 days' WHERE email = 'old@fail.test';
SELECT auth.record_sign_in_failure('old@fail.test', '10.0.0.9', 1, 60);
SELECT tests.assert_eq(auth.sign_in_wait('old@fail.test', '10.0.0.9'), 0, 'failures a day old are forgotten');
-- Client roles cannot read or write the counters.
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT count(*) FROM auth.sign_in_failures', '42501', 'anon cannot read the failures');
SELECT tests.assert_raises('SELECT auth.clear_sign_in_failures(''owner@fail.test'', ''10.0.0.1'')', '42501', 'anon cannot clear them');
