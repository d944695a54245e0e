-- 0003 + 0004 structure: the conventions of docs/schema.md checked from the catalogue for
-- every table of 0003_core.sql and 0004_agent_habits.sql, plus the privilege, index and function
-- rules of the 0003 and 0004 tables that are visible in the catalogue.

-- Helper: the checks every table must pass (standard columns, updated_at trigger, comments, RLS,
-- policies naming their roles, no privilege for PUBLIC or anon, owner column indexed).
CREATE FUNCTION pg_temp.check_table(p_table text, p_owner_column text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_rel regclass := to_regclass('public.' || p_table);
  v_col record;
BEGIN
  PERFORM tests.assert(v_rel IS NOT NULL, p_table || ' exists');
  PERFORM tests.assert((SELECT relrowsecurity AND NOT relforcerowsecurity FROM pg_class WHERE oid = v_rel),
                       p_table || ': row-level security enabled and not forced');
  PERFORM tests.assert(nullif(btrim(obj_description(v_rel, 'pg_class')), '') IS NOT NULL, p_table || ' has a table comment');
  FOR v_col IN SELECT a.attname, a.attnum FROM pg_attribute a WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped LOOP
    PERFORM tests.assert(nullif(btrim(col_description(v_rel, v_col.attnum)), '') IS NOT NULL,
                         format('%s.%s has a comment', p_table, v_col.attname));
  END LOOP;

  -- id uuid primary key (profiles: no default, the user id), created_at / updated_at.
  PERFORM tests.assert(EXISTS (
    SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.conrelid = v_rel AND c.contype = 'p' AND cardinality(c.conkey) = 1 AND a.attname = 'id'
       AND a.atttypid = 'uuid'::regtype), p_table || ': id uuid is the primary key');
  IF p_table <> 'profiles' THEN
    PERFORM tests.assert_eq(
      (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE d.adrelid = v_rel AND a.attname = 'id'), 'gen_random_uuid()', p_table || ': id defaults to gen_random_uuid()');
  END IF;
  FOR v_col IN SELECT unnest(ARRAY['created_at', 'updated_at']) AS attname LOOP
    PERFORM tests.assert(EXISTS (
      SELECT 1 FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = v_rel AND a.attname = v_col.attname AND a.atttypid = 'timestamptz'::regtype
         AND a.attnotnull AND pg_get_expr(d.adbin, d.adrelid) = 'now()'),
      format('%s.%s is timestamptz NOT NULL DEFAULT now()', p_table, v_col.attname));
  END LOOP;
  PERFORM tests.assert(EXISTS (
    SELECT 1 FROM pg_trigger t
     WHERE t.tgrelid = v_rel AND t.tgname = 'set_updated_at' AND t.tgfoid = 'public.set_updated_at()'::regprocedure
       AND t.tgtype & 1 = 1 AND t.tgtype & 2 = 2 AND t.tgtype & 16 = 16), p_table || ': BEFORE UPDATE FOR EACH ROW set_updated_at trigger');

  -- Policies exist and name their roles; neither PUBLIC nor anon holds anything.
  PERFORM tests.assert(EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = v_rel), p_table || ' has a policy');
  PERFORM tests.assert(NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = v_rel AND 0::oid = ANY (polroles)),
                       p_table || ': every policy names its roles (none is for PUBLIC)');
  PERFORM tests.assert(NOT has_table_privilege('anon', v_rel, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                       AND NOT has_any_column_privilege('anon', v_rel, 'SELECT, INSERT, UPDATE, REFERENCES'),
                       p_table || ': anon holds no privilege');
  PERFORM tests.assert(NOT EXISTS (SELECT 1 FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) x
                                    WHERE c.oid = v_rel AND x.grantee = 0),
                       p_table || ': PUBLIC holds no privilege');
  PERFORM tests.assert(NOT has_table_privilege('authenticated', v_rel, 'TRUNCATE, REFERENCES, TRIGGER'),
                       p_table || ': authenticated holds no TRUNCATE, REFERENCES or TRIGGER');

  -- Owner column: uuid NOT NULL, FK to auth.users ON DELETE CASCADE, leading column of an index.
  PERFORM tests.assert(EXISTS (
    SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.conrelid = v_rel AND c.contype = 'f' AND c.confrelid = 'auth.users'::regclass AND c.confdeltype = 'c'
       AND a.attname = p_owner_column AND a.attnotnull),
    format('%s.%s is NOT NULL and references auth.users ON DELETE CASCADE', p_table, p_owner_column));
  PERFORM tests.assert(EXISTS (
    SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = v_rel AND a.attname = p_owner_column),
    format('%s.%s leads an index', p_table, p_owner_column));
END
$$;

-- Every table of the slice (18).
SELECT pg_temp.check_table(t.name, t.owner_column)
  FROM (VALUES ('profiles', 'id'), ('credit_ledger', 'user_id'), ('vision_boards', 'user_id'),
               ('reference_images', 'user_id'), ('documents', 'user_id'), ('action_tasks', 'user_id'),
               ('poster_orders', 'user_id'), ('plaid_items', 'user_id'),
               ('agent_sessions', 'user_id'), ('agent_messages', 'user_id'), ('user_comm_preferences', 'user_id'),
               ('habits', 'user_id'), ('habit_completions', 'user_id'), ('user_achievements', 'user_id'),
               ('scheduled_checkins', 'user_id'), ('agent_actions', 'user_id'), ('weekly_reviews', 'user_id'),
               ('progress_predictions', 'user_id')) AS t (name, owner_column);

-- user_id defaults to auth.uid() on the user-writable tables; not where a trigger or function
-- fills it (the ledger, the parent-derived tables).
SELECT tests.assert_eq(
  (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
    WHERE d.adrelid = ('public.' || t)::regclass AND a.attname = 'user_id'),
  'auth.uid()', t || '.user_id defaults to auth.uid()')
  FROM unnest(ARRAY['vision_boards', 'reference_images', 'documents', 'action_tasks', 'poster_orders', 'plaid_items',
                    'agent_sessions', 'user_comm_preferences', 'habits', 'user_achievements', 'scheduled_checkins',
                    'agent_actions', 'weekly_reviews', 'progress_predictions']) AS t;
SELECT tests.assert(NOT EXISTS (SELECT 1 FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                                 WHERE d.adrelid = ('public.' || t)::regclass AND a.attname = 'user_id'),
                    t || '.user_id has no default (filled by trigger or function)')
  FROM unnest(ARRAY['credit_ledger', 'agent_messages', 'habit_completions']) AS t;

-- Parent keys are NOT NULL and cascade.
SELECT tests.assert(EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                             WHERE c.conrelid = ('public.' || f.t)::regclass AND c.contype = 'f' AND a.attname = f.col
                               AND a.attnotnull AND c.confrelid = ('public.' || f.parent)::regclass AND c.confdeltype = 'c'),
                    format('%s.%s is NOT NULL and references %s ON DELETE CASCADE', f.t, f.col, f.parent))
  FROM (VALUES ('agent_messages', 'session_id', 'agent_sessions'), ('habit_completions', 'habit_id', 'habits')) AS f (t, col, parent);
SELECT tests.assert(EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                             WHERE c.conrelid = 'public.habits'::regclass AND c.contype = 'f' AND a.attname = 'task_id'
                               AND c.confrelid = 'public.action_tasks'::regclass AND c.confdeltype = 'n'),
                    'habits.task_id references action_tasks ON DELETE SET NULL');

-- Unique constraints of the 0004 tables.
SELECT tests.assert(EXISTS (SELECT 1 FROM pg_constraint c
                             WHERE c.conrelid = ('public.' || u.t)::regclass AND c.contype = 'u'
                               AND (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k (attnum, ord)
                                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) = u.cols),
                    format('UNIQUE %s %s', u.t, u.cols))
  FROM (VALUES ('user_comm_preferences', ARRAY['user_id']), ('habit_completions', ARRAY['habit_id', 'completed_on']),
               ('user_achievements', ARRAY['user_id', 'achievement_key']), ('weekly_reviews', ARRAY['user_id', 'week_start'])) AS u (t, cols);

-- Spec indexes.
SELECT tests.assert(EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND tablename = i.t AND indexdef LIKE '%' || i.def),
                    format('index on %s %s', i.t, i.def))
  FROM (VALUES ('profiles', 'UNIQUE INDEX%(stripe_customer_id) WHERE (stripe_customer_id IS NOT NULL)'),
               ('credit_ledger', '(user_id, created_at DESC)'),
               -- Full, not the spec's live-rows partial ones: a user's deletion cascades through them (0048).
               ('vision_boards', 'btree (user_id)'),
               ('reference_images', 'btree (user_id)'),
               ('documents', 'btree (user_id)'),
               ('action_tasks', '(user_id, created_at)'),
               ('poster_orders', '(user_id, created_at DESC)'),
               ('poster_orders', '(status)'),
               ('poster_orders', '(vision_board_id)'),
               ('plaid_items', '(user_id)'),
               ('agent_sessions', '(user_id)'),
               ('agent_messages', '(session_id, created_at)'),
               ('agent_messages', '(user_id)'),
               ('habits', '(user_id)'),
               ('habits', '(user_id) WHERE is_active'),
               ('habits', '(task_id)'),
               ('habit_completions', '(habit_id, completed_at DESC)'),
               ('habit_completions', '(user_id, completed_on)'),
               ('scheduled_checkins', '(user_id, scheduled_for)'),
               ('scheduled_checkins', '(status, scheduled_for)'),
               ('agent_actions', '(user_id)'),
               ('progress_predictions', '(user_id)')) AS i (t, def);

-- Foreign keys to vision_boards clear the reference when a board is purged.
SELECT tests.assert(EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                             WHERE c.conrelid = ('public.' || f.t)::regclass AND c.contype = 'f'
                               AND c.confrelid = 'public.vision_boards'::regclass AND c.confdeltype = 'n' AND a.attname = f.col),
                    format('%s.%s references vision_boards ON DELETE SET NULL', f.t, f.col))
  FROM (VALUES ('profiles', 'primary_vision_id'), ('poster_orders', 'vision_board_id')) AS f (t, col);

-- Credits are server-controlled (F2): no client role updates tier, status, customer id; anon no
-- credits either. authenticated holds UPDATE (credits) for the one-credit spend that 0039's
-- trigger allows and nothing more (tested in 0039_client_credit_spend.sql).
SELECT tests.assert(NOT has_column_privilege(r, 'public.profiles', c, 'UPDATE'), format('%s cannot update profiles.%s', r, c))
  FROM unnest(ARRAY['anon', 'authenticated']) AS r,
       unnest(ARRAY['subscription_tier', 'subscription_status', 'stripe_customer_id', 'id', 'created_at']) AS c;
SELECT tests.assert(NOT has_column_privilege('anon', 'public.profiles', 'credits', 'UPDATE'), 'anon cannot update profiles.credits');
SELECT tests.assert(has_column_privilege('authenticated', 'public.profiles', c, 'UPDATE'), 'authenticated can update profiles.' || c)
  FROM unnest(ARRAY['onboarding_completed', 'financial_target', 'primary_vision_id']) AS c;
SELECT tests.assert(NOT has_table_privilege('authenticated', 'public.profiles', p), 'authenticated has no ' || p || ' on profiles')
  FROM unnest(ARRAY['INSERT', 'DELETE']) AS p;
SELECT tests.assert(NOT has_column_privilege('service_role', 'public.profiles', 'credits', 'UPDATE'),
                    'service_role cannot update profiles.credits directly');
SELECT tests.assert(has_column_privilege('service_role', 'public.profiles', c, 'UPDATE'), 'service_role can update profiles.' || c)
  FROM unnest(ARRAY['subscription_tier', 'subscription_status', 'stripe_customer_id', 'onboarding_completed',
                    'financial_target', 'primary_vision_id']) AS c;
SELECT tests.assert(has_table_privilege('service_role', 'public.profiles', p), 'service_role has ' || p || ' on profiles')
  FROM unnest(ARRAY['SELECT', 'INSERT', 'DELETE']) AS p;

-- The ledger is written by nobody.
SELECT tests.assert(NOT has_table_privilege(r, 'public.credit_ledger', p), format('%s has no %s on credit_ledger', r, p))
  FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r,
       unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p;
SELECT tests.assert(NOT has_any_column_privilege(r, 'public.credit_ledger', 'INSERT, UPDATE'), r || ' has no column write privilege on credit_ledger')
  FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r;

-- Encrypted tokens are not selectable by client roles (F1); no plaintext token column exists.
SELECT tests.assert(NOT has_column_privilege(r, 'public.plaid_items', 'access_token_encrypted', 'SELECT'),
                    r || ' cannot select plaid_items.access_token_encrypted')
  FROM unnest(ARRAY['anon', 'authenticated']) AS r;
SELECT tests.assert(NOT EXISTS (SELECT 1 FROM information_schema.columns
                                 WHERE table_schema = 'public' AND column_name IN ('access_token', 'refresh_token')),
                    'no plaintext token column');

-- Streak counters are not writable by end users (F4); completions: only notes and mood.
SELECT tests.assert(NOT has_column_privilege('authenticated', 'public.habits', c, p), format('authenticated has no %s on habits.%s', p, c))
  FROM unnest(ARRAY['current_streak', 'longest_streak', 'last_completed']) AS c, unnest(ARRAY['INSERT', 'UPDATE']) AS p;
SELECT tests.assert(has_column_privilege('authenticated', 'public.habits', c, p), format('authenticated has %s on habits.%s', p, c))
  FROM unnest(ARRAY['task_id', 'title', 'description', 'frequency', 'custom_days', 'reminder_time', 'is_active']) AS c,
       unnest(ARRAY['INSERT', 'UPDATE']) AS p;
SELECT tests.assert(has_column_privilege('authenticated', 'public.habit_completions', c, 'UPDATE') = (c IN ('notes', 'mood_rating')),
                    'authenticated UPDATE on habit_completions.' || c || ' only if notes or mood_rating')
  FROM unnest(ARRAY['habit_id', 'user_id', 'completed_at', 'completed_on', 'notes', 'mood_rating', 'created_at']) AS c;

-- Functions of the slice: exact EXECUTE grantees (so none for PUBLIC), SECURITY DEFINER or
-- INVOKER as designed, a fixed empty search_path, and a comment on each.
CREATE TEMP TABLE slice_functions (sig regprocedure, grantees text[], definer boolean);
INSERT INTO slice_functions VALUES
  ('public.handle_new_user()', '{}', true),
  ('public.decrement_user_credits()', '{authenticated,service_role}', true),
  ('public.adjust_user_credits(uuid,integer,text,text)', '{service_role}', true),
  ('public.soft_delete_vision_board(uuid)', '{authenticated}', true),
  ('public.restore_vision_board(uuid)', '{authenticated}', true),
  ('public.soft_delete_reference_image(uuid)', '{authenticated}', true),
  ('public.restore_reference_image(uuid)', '{authenticated}', true),
  ('public.soft_delete_document(uuid)', '{authenticated}', true),
  ('public.restore_document(uuid)', '{authenticated}', true),
  ('internal.journal_credit_change()', '{}', true),
  ('internal.set_credit_reason(text,text)', '{}', false),
  ('internal.soft_delete_retention()', '{service_role}', false),
  ('internal.soft_delete_instead()', '{}', false),
  ('public.recalculate_habit_streak(uuid)', '{service_role}', true),
  ('public.refresh_habit_streaks()', '{service_role}', true),
  ('internal.agent_session_owner_changed()', '{}', true),
  ('internal.validate_timezone()', '{}', false),
  ('internal.user_timezone(uuid)', '{}', false),
  ('internal.habit_completion_local_day()', '{}', true),
  ('internal.habit_completion_day_rules()', '{}', false),
  ('internal.habit_owner_changed()', '{}', true),
  ('internal.habit_scheduled_days(text,jsonb)', '{}', false),
  ('internal.habit_period_index(text,integer[],date)', '{}', false),
  ('internal.habit_period_start(text,integer[],bigint)', '{}', false),
  ('internal.habit_is_scheduled(text,integer[],date)', '{}', false),
  ('internal.habit_period_hit(uuid,text,integer[],bigint,uuid)', '{}', false),
  ('internal.habit_streak_stats(uuid,text,jsonb,date)', '{}', false),
  ('internal.habit_recalculate(uuid)', '{}', true),
  ('internal.habit_record_completion(uuid,uuid,date,timestamptz)', '{}', true),
  ('internal.habit_completions_added()', '{}', true),
  ('internal.habit_completions_removed()', '{}', true),
  ('internal.habit_completion_moved()', '{}', true),
  ('internal.habit_schedule_changed()', '{}', true);

SELECT tests.assert_eq(
  (SELECT coalesce(array_agg(r.rolname::text ORDER BY r.rolname), '{}')
     FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x
     LEFT JOIN pg_roles r ON r.oid = x.grantee
    WHERE p.oid = f.sig AND x.privilege_type = 'EXECUTE' AND x.grantee <> p.proowner),
  f.grantees, 'EXECUTE grantees of ' || f.sig)
  FROM slice_functions f;
SELECT tests.assert_eq(p.prosecdef, f.definer, f.sig || CASE WHEN f.definer THEN ' is SECURITY DEFINER' ELSE ' is SECURITY INVOKER' END)
  FROM slice_functions f JOIN pg_proc p ON p.oid = f.sig;
SELECT tests.assert(p.proconfig @> ARRAY['search_path=""'], f.sig || ' has a fixed empty search_path')
  FROM slice_functions f JOIN pg_proc p ON p.oid = f.sig;
SELECT tests.assert(nullif(btrim(obj_description(f.sig, 'pg_proc')), '') IS NOT NULL, f.sig || ' has a comment')
  FROM slice_functions f;
-- No helper of the slice is missing from the list above.
SELECT tests.assert(EXISTS (SELECT 1 FROM slice_functions f WHERE f.sig = p.oid), p.oid::regprocedure || ' is checked by this file')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'internal'
   AND (p.proname LIKE 'habit%' OR p.proname LIKE 'agent_message%' OR p.proname LIKE 'agent_session%'
        OR p.proname IN ('journal_credit_change', 'set_credit_reason', 'user_timezone', 'validate_timezone')
        OR p.proname LIKE 'soft_delete%');

-- Triggers that carry the behaviour of the slice.
SELECT tests.assert(EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = g.rel::regclass AND t.tgname = g.name
                              AND t.tgfoid = g.fn::regprocedure AND NOT t.tgisinternal),
                    format('trigger %s on %s', g.name, g.rel))
  FROM (VALUES ('auth.users', 'on_auth_user_created', 'public.handle_new_user()'),
               ('public.profiles', 'journal_credit_change', 'internal.journal_credit_change()'),
               ('public.vision_boards', 'soft_delete_instead', 'internal.soft_delete_instead()'),
               ('public.reference_images', 'soft_delete_instead', 'internal.soft_delete_instead()'),
               ('public.documents', 'soft_delete_instead', 'internal.soft_delete_instead()'),
               ('public.poster_orders', 'enforce_order_status', 'public.enforce_order_status()'),
               ('public.agent_messages', 'derive_owner', 'internal.owner_from_parent()'),
               ('public.agent_sessions', 'propagate_owner', 'internal.agent_session_owner_changed()'),
               ('public.user_comm_preferences', 'validate_timezone', 'internal.validate_timezone()'),
               ('public.habit_completions', 'derive_owner', 'internal.owner_from_parent()'),
               ('public.habit_completions', 'derive_owner_local_day', 'internal.habit_completion_local_day()'),
               ('public.habit_completions', 'enforce_day_rules', 'internal.habit_completion_day_rules()'),
               ('public.habit_completions', 'track_streak_insert', 'internal.habit_completions_added()'),
               ('public.habit_completions', 'track_streak_delete', 'internal.habit_completions_removed()'),
               ('public.habit_completions', 'track_streak_update', 'internal.habit_completion_moved()'),
               ('public.habits', 'recompute_streaks', 'internal.habit_schedule_changed()'),
               ('public.habits', 'propagate_owner', 'internal.habit_owner_changed()')) AS g (rel, name, fn);
