-- One trigger function for the rows whose owner is their parent row's owner. Four tables had a
-- copy of their own (agent_messages under agent_sessions, habit_completions under habits,
-- workbook_sections under workbook_orders, user_knowledge_chunks under user_knowledge_sources):
-- they now share internal.owner_from_parent(), told by the trigger's arguments which parent,
-- which columns, what to call the parent in errors, and how someone else's parent is refused.
-- Behaviour, error codes and messages are those of the four copies. The owner-local day of a
-- habit completion, which the habit_completions copy also derived, is a trigger of its own.

-- Trigger (BEFORE INSERT OR UPDATE, FOR EACH ROW) with six arguments:
--   1. the parent table ('public.habits'),
--   2. its key column ('id': unique and not null),
--   3. the child's column naming the parent ('habit_id'),
--   4. the owner column, of both tables, uuid ('user_id'),
--   5. what the parent is called in errors ('habit'),
--   6. how a parent the caller may not use is refused:
--      'not found'  an unknown parent, a NULL one, or (for a request carrying a user) another
--                   user's: "<parent> <id> not found" (no_data_found), so other users' rows
--                   cannot even be probed;
--      'not yours'  an unknown parent: "<parent> <id> does not exist" (no_data_found); another
--                   user's, for an end user (role anon or authenticated): "<parent> <id> is not
--                   yours" (insufficient_privilege); a NULL parent is left to NOT NULL.
-- The child's owner column is then set to the parent's owner, whatever the client sent.
-- SECURITY DEFINER: it must read any parent. The end-user test of 'not yours' therefore reads the
-- request's role setting, which a definer function does not change.
CREATE FUNCTION internal.owner_from_parent() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_owner uuid;
  v_found integer;
  v_link text;
BEGIN
  IF TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' OR TG_NARGS <> 6
     OR TG_ARGV[5] IS NULL OR TG_ARGV[5] NOT IN ('not found', 'not yours') THEN
    RAISE EXCEPTION 'internal.owner_from_parent() on %.% must be a BEFORE ROW trigger with six arguments, the last ''not found'' or ''not yours''',
      TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The owner of the parent the new row names (no row: there is no such parent). The link's
  -- value is read only for an error message or a NULL check.
  EXECUTE format('SELECT p.%I FROM %s AS p WHERE p.%I = ($1).%I', TG_ARGV[3], TG_ARGV[0]::regclass, TG_ARGV[1], TG_ARGV[2])
    INTO v_owner USING NEW;
  GET DIAGNOSTICS v_found = ROW_COUNT;
  IF TG_ARGV[5] = 'not found' THEN
    IF v_owner IS NULL OR v_owner IS DISTINCT FROM coalesce(auth.uid(), v_owner) THEN
      EXECUTE format('SELECT ($1).%I::text', TG_ARGV[2]) INTO v_link USING NEW;
      RAISE EXCEPTION '% % not found', TG_ARGV[4], v_link USING ERRCODE = 'no_data_found';
    END IF;
  ELSE
    IF v_found = 0 THEN
      EXECUTE format('SELECT ($1).%I::text', TG_ARGV[2]) INTO v_link USING NEW;
      IF v_link IS NULL THEN
        RETURN NEW;  -- refused by the NOT NULL constraint
      END IF;
      RAISE EXCEPTION '% % does not exist', TG_ARGV[4], v_link USING ERRCODE = 'no_data_found';
    END IF;
    IF current_setting('role', true) IN ('anon', 'authenticated') AND v_owner IS DISTINCT FROM auth.uid() THEN
      EXECUTE format('SELECT ($1).%I::text', TG_ARGV[2]) INTO v_link USING NEW;
      RAISE EXCEPTION '% % is not yours', TG_ARGV[4], v_link USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[3], v_owner));
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.owner_from_parent() FROM PUBLIC;
COMMENT ON FUNCTION internal.owner_from_parent() IS 'Trigger (parent table, parent key, link column, owner column, parent''s name, ''not found'' | ''not yours''): copies the owner from the parent row; refuses a missing parent or another user''s.';

-- Trigger (BEFORE INSERT OR UPDATE OF habit_id, user_id, completed_at, completed_on; fires after
-- derive_owner, before enforce_day_rules): completed_on, when not given (or when only
-- completed_at changes), is the owner's local day of completed_at.
CREATE FUNCTION internal.habit_completion_local_day() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NEW.completed_on IS NULL
     OR (TG_OP = 'UPDATE' AND NEW.completed_at IS DISTINCT FROM OLD.completed_at
         AND NEW.completed_on IS NOT DISTINCT FROM OLD.completed_on) THEN
    NEW.completed_on := (NEW.completed_at AT TIME ZONE internal.user_timezone(NEW.user_id))::date;
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.habit_completion_local_day() FROM PUBLIC;
COMMENT ON FUNCTION internal.habit_completion_local_day() IS 'Trigger: fills habit_completions.completed_on from completed_at in the owner''s time zone (after derive_owner set the owner).';

-- The same rules as before; only the name of the trigger that sets the owner changed.
CREATE OR REPLACE FUNCTION internal.habit_completion_day_rules() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_today date;
BEGIN
  IF internal.is_privileged_caller() THEN
    RETURN NEW;
  END IF;
  -- The owner is the caller here (derive_owner made sure), so the row is visible.
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

-- agent_messages: the session's owner; other users' sessions are not found.
DROP TRIGGER derive_owner ON public.agent_messages;
CREATE TRIGGER derive_owner BEFORE INSERT OR UPDATE OF session_id, user_id ON public.agent_messages
  FOR EACH ROW EXECUTE FUNCTION internal.owner_from_parent('public.agent_sessions', 'id', 'session_id', 'user_id', 'agent session', 'not found');
DROP FUNCTION internal.agent_message_owner();

-- habit_completions: the habit's owner (other users' habits are not found), then the owner's
-- local day, then the end-user day rules. Triggers fire in the order of their names.
DROP TRIGGER derive_owner_and_day ON public.habit_completions;
CREATE TRIGGER derive_owner
  BEFORE INSERT OR UPDATE OF habit_id, user_id, completed_at, completed_on ON public.habit_completions
  FOR EACH ROW EXECUTE FUNCTION internal.owner_from_parent('public.habits', 'id', 'habit_id', 'user_id', 'habit', 'not found');
CREATE TRIGGER derive_owner_local_day
  BEFORE INSERT OR UPDATE OF habit_id, user_id, completed_at, completed_on ON public.habit_completions
  FOR EACH ROW EXECUTE FUNCTION internal.habit_completion_local_day();
DROP FUNCTION internal.habit_completion_owner();

-- workbook_sections: the workbook order's owner; another user's order is not yours.
DROP TRIGGER set_owner ON public.workbook_sections;
CREATE TRIGGER set_owner BEFORE INSERT OR UPDATE OF workbook_order_id, user_id ON public.workbook_sections
  FOR EACH ROW EXECUTE FUNCTION internal.owner_from_parent('public.workbook_orders', 'id', 'workbook_order_id', 'user_id', 'workbook order', 'not yours');
DROP FUNCTION internal.workbook_sections_set_owner();

-- user_knowledge_chunks: the knowledge source's owner; another user's source is not yours.
DROP TRIGGER set_owner ON public.user_knowledge_chunks;
CREATE TRIGGER set_owner BEFORE INSERT OR UPDATE OF source_id, user_id ON public.user_knowledge_chunks
  FOR EACH ROW EXECUTE FUNCTION internal.owner_from_parent('public.user_knowledge_sources', 'id', 'source_id', 'user_id', 'knowledge source', 'not yours');
DROP FUNCTION internal.user_knowledge_chunks_set_owner();
