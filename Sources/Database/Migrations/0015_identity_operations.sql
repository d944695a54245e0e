-- AMIE onboarding behind /functions/v1/onboarding-themes and /functions/v1/amie-prompt-builder
-- (and RPC): the coaching themes and their questions, choosing a theme, answers checked against
-- each question's type and options, the identity profile, and the master prompt composed from
-- theme and answers. All run as the caller.
--
-- Onboarding steps (user_identity_profiles.onboarding_step): 0 nothing yet, 1 theme chosen,
-- 2 every required question answered, 3 master prompt built (onboarding_completed).

CREATE FUNCTION internal.theme_json(p_theme public.motivational_themes) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT jsonb_build_object(
    'id', p_theme.id, 'name', p_theme.name, 'display_name', p_theme.display_name, 'description', p_theme.description,
    'icon', p_theme.icon, 'color_scheme', p_theme.color_scheme, 'motivation_style', p_theme.motivation_style,
    'include_scripture', p_theme.include_scripture, 'include_metrics', p_theme.include_metrics,
    'include_wellness', p_theme.include_wellness, 'include_legacy', p_theme.include_legacy,
    'question_count', (SELECT count(*) FROM public.master_prompt_questions q WHERE q.theme_id = p_theme.id AND q.is_active))
$$;
REVOKE EXECUTE ON FUNCTION internal.theme_json(public.motivational_themes) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.theme_json(public.motivational_themes) TO anon, authenticated, service_role;
COMMENT ON FUNCTION internal.theme_json(public.motivational_themes) IS 'A coaching theme as the onboarding functions answer it, with its number of active questions.';

CREATE FUNCTION public.list_themes() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce(jsonb_agg(internal.theme_json(t) ORDER BY t.sort_order, t.name), '[]'::jsonb)
    FROM public.motivational_themes t WHERE t.is_active
$$;
REVOKE EXECUTE ON FUNCTION public.list_themes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.list_themes() TO anon, authenticated, service_role;
COMMENT ON FUNCTION public.list_themes() IS 'The active coaching themes in display order.';

-- One active theme by id or name; NULL when there is none.
CREATE FUNCTION public.get_theme(p_theme_id uuid DEFAULT NULL, p_name text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT internal.theme_json(t) || jsonb_build_object('system_prompt_template', t.system_prompt_template)
    FROM public.motivational_themes t
   WHERE t.is_active AND (t.id = p_theme_id OR (p_theme_id IS NULL AND t.name = p_name))
$$;
REVOKE EXECUTE ON FUNCTION public.get_theme(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_theme(uuid, text) TO anon, authenticated, service_role;
COMMENT ON FUNCTION public.get_theme(uuid, text) IS 'One active coaching theme (by id, else by name) with its persona prompt; NULL when there is none.';

-- The active questions of an active theme in order; NULL when the theme does not exist.
CREATE FUNCTION public.get_theme_questions(p_theme_id uuid) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT coalesce((
    SELECT jsonb_agg(jsonb_build_object(
             'id', q.id, 'question_text', q.question_text, 'question_type', q.question_type, 'options', q.options,
             'is_required', q.is_required, 'sort_order', q.sort_order) ORDER BY q.sort_order)
      FROM public.master_prompt_questions q WHERE q.theme_id = t.id AND q.is_active), '[]'::jsonb)
    FROM public.motivational_themes t WHERE t.id = p_theme_id AND t.is_active
$$;
REVOKE EXECUTE ON FUNCTION public.get_theme_questions(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_theme_questions(uuid) TO anon, authenticated, service_role;
COMMENT ON FUNCTION public.get_theme_questions(uuid) IS 'The active onboarding questions of an active theme, in order; NULL when the theme does not exist.';

-- The caller's identity profile with its theme and onboarding progress; NULL when they have none.
CREATE FUNCTION public.get_identity_profile() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
  SELECT to_jsonb(p) - 'master_prompt_responses' || jsonb_build_object(
    'answers', p.master_prompt_responses,
    'theme', (SELECT internal.theme_json(t) FROM public.motivational_themes t WHERE t.id = p.theme_id),
    'required_questions', r.required, 'answered_required', r.answered,
    'missing_questions', to_jsonb(r.missing))
  FROM public.user_identity_profiles p
  CROSS JOIN LATERAL (
    SELECT count(*) AS required,
           count(*) FILTER (WHERE a.answered) AS answered,
           coalesce(array_agg(q.id ORDER BY q.sort_order) FILTER (WHERE NOT a.answered), '{}') AS missing
      FROM public.master_prompt_questions q
      CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM jsonb_array_elements(p.master_prompt_responses) e
                                          WHERE e ->> 'question_id' = q.id::text) AS answered) a
     WHERE q.theme_id = p.theme_id AND q.is_active AND q.is_required) r
  WHERE p.user_id = internal.require_user()
$$;
REVOKE EXECUTE ON FUNCTION public.get_identity_profile() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_identity_profile() TO authenticated;
COMMENT ON FUNCTION public.get_identity_profile() IS 'The caller''s identity profile: theme, answers, attributes, master prompt and onboarding progress (required questions answered, which are missing).';

-- The caller chooses a theme (creating their profile when needed). Another theme than before
-- starts its questions afresh: earlier answers and master prompt are cleared.
CREATE FUNCTION public.select_theme(p_theme_id uuid) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  PERFORM internal.require_user();
  IF NOT EXISTS (SELECT 1 FROM public.motivational_themes t WHERE t.id = p_theme_id AND t.is_active) THEN
    RAISE EXCEPTION 'no theme has id %', p_theme_id USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO public.user_identity_profiles AS p (theme_id, onboarding_step, last_identity_update)
  VALUES (p_theme_id, 1, now())
  ON CONFLICT (user_id) DO UPDATE SET
    theme_id = EXCLUDED.theme_id,
    master_prompt_responses = CASE WHEN p.theme_id IS DISTINCT FROM EXCLUDED.theme_id THEN '[]'::jsonb ELSE p.master_prompt_responses END,
    master_prompt = CASE WHEN p.theme_id IS DISTINCT FROM EXCLUDED.theme_id THEN NULL ELSE p.master_prompt END,
    onboarding_step = CASE WHEN p.theme_id IS DISTINCT FROM EXCLUDED.theme_id THEN 1 ELSE greatest(p.onboarding_step, 1) END,
    onboarding_completed = p.onboarding_completed AND p.theme_id IS NOT DISTINCT FROM EXCLUDED.theme_id,
    last_identity_update = now();
  RETURN public.get_identity_profile();
END
$$;
REVOKE EXECUTE ON FUNCTION public.select_theme(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.select_theme(uuid) TO authenticated;
COMMENT ON FUNCTION public.select_theme(uuid) IS 'The caller chooses a coaching theme; a different theme than before clears earlier answers and master prompt.';

-- Checks one answer against its question: single_choice one of the options; multiple_choice a
-- non-empty list of distinct options; scale one of the options (a number or its text); text 1 to
-- 2000 characters. Returns the answer as stored (a string or a list of strings).
CREATE FUNCTION internal.checked_answer(p_question public.master_prompt_questions, p_answer jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $$
DECLARE
  v_text text;
BEGIN
  CASE p_question.question_type
    WHEN 'multiple_choice' THEN
      IF jsonb_typeof(p_answer) IS DISTINCT FROM 'array' OR jsonb_array_length(p_answer) = 0
         OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_answer) e WHERE NOT (p_question.options @> jsonb_build_array(e)))
         OR (SELECT count(DISTINCT e) FROM jsonb_array_elements(p_answer) e) <> jsonb_array_length(p_answer) THEN
        RAISE EXCEPTION 'answer "%" with a list of distinct options among %', p_question.question_text, p_question.options
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      RETURN p_answer;
    WHEN 'text' THEN
      v_text := CASE WHEN jsonb_typeof(p_answer) = 'string' THEN btrim(p_answer #>> '{}') END;
      IF v_text IS NULL OR v_text = '' OR char_length(v_text) > 2000 THEN
        RAISE EXCEPTION 'answer "%" with text of 1 to 2000 characters', p_question.question_text
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      RETURN to_jsonb(v_text);
    ELSE
      v_text := CASE WHEN jsonb_typeof(p_answer) IN ('string', 'number') THEN p_answer #>> '{}' END;
      IF v_text IS NULL OR NOT (p_question.options ? v_text) THEN
        RAISE EXCEPTION 'answer "%" with one of %', p_question.question_text, p_question.options
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      RETURN to_jsonb(v_text);
  END CASE;
END
$$;
REVOKE EXECUTE ON FUNCTION internal.checked_answer(public.master_prompt_questions, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.checked_answer(public.master_prompt_questions, jsonb) TO authenticated;
COMMENT ON FUNCTION internal.checked_answer(public.master_prompt_questions, jsonb) IS 'An onboarding answer checked against its question''s type and options; raises 22023 otherwise.';

-- The caller answers questions of their theme: [{question_id, answer}], each checked; an answer
-- replaces an earlier one to the same question. All answers are checked before any is stored.
CREATE FUNCTION public.submit_onboarding_answers(p_answers jsonb) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_profile public.user_identity_profiles;
  v_item jsonb;
  v_question public.master_prompt_questions;
  v_answers jsonb := '{}';
BEGIN
  PERFORM internal.require_user();
  SELECT * INTO v_profile FROM public.user_identity_profiles p WHERE p.user_id = auth.uid() FOR UPDATE;
  IF v_profile.theme_id IS NULL THEN
    RAISE EXCEPTION 'choose a theme before answering its questions' USING ERRCODE = 'check_violation';
  END IF;
  IF jsonb_typeof(p_answers) IS DISTINCT FROM 'array' OR jsonb_array_length(p_answers) = 0 THEN
    RAISE EXCEPTION 'answers is a non-empty list of {question_id, answer}' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The stored answers by question id, then the new ones over them.
  SELECT coalesce(jsonb_object_agg(e ->> 'question_id', e), '{}') INTO v_answers
    FROM jsonb_array_elements(v_profile.master_prompt_responses) e;
  FOR v_item IN SELECT * FROM jsonb_array_elements(p_answers) LOOP
    SELECT * INTO v_question FROM public.master_prompt_questions q
     WHERE q.id::text = v_item ->> 'question_id' AND q.theme_id = v_profile.theme_id AND q.is_active;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'question % is not a question of your theme', coalesce(v_item ->> 'question_id', '(none)')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_answers := v_answers || jsonb_build_object(v_question.id::text, jsonb_build_object(
      'question_id', v_question.id, 'question_text', v_question.question_text,
      'answer', internal.checked_answer(v_question, v_item -> 'answer')));
  END LOOP;
  UPDATE public.user_identity_profiles p SET
    master_prompt_responses = (
      SELECT coalesce(jsonb_agg(a.value ORDER BY q.sort_order), '[]'::jsonb)
        FROM jsonb_each(v_answers) a JOIN public.master_prompt_questions q ON q.id::text = a.key),
    last_identity_update = now()
  WHERE p.id = v_profile.id;
  UPDATE public.user_identity_profiles p SET onboarding_step = greatest(p.onboarding_step, 2)
   WHERE p.id = v_profile.id
     AND NOT EXISTS (SELECT 1 FROM public.master_prompt_questions q
                      WHERE q.theme_id = p.theme_id AND q.is_active AND q.is_required
                        AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p.master_prompt_responses) e
                                         WHERE e ->> 'question_id' = q.id::text));
  RETURN public.get_identity_profile();
END
$$;
REVOKE EXECUTE ON FUNCTION public.submit_onboarding_answers(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.submit_onboarding_answers(jsonb) TO authenticated;
COMMENT ON FUNCTION public.submit_onboarding_answers(jsonb) IS 'Stores the caller''s answers [{question_id, answer}] to their theme''s questions, each checked against its type and options.';

-- Changes the caller's identity attributes (members present in p_patch: core_values,
-- life_roles, motivation_drivers, communication_style, preferred_ai_voice, formality_level,
-- encouragement_frequency, theme_customizations), creating the profile when needed.
CREATE FUNCTION public.update_identity_profile(p_patch jsonb) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  PERFORM internal.require_user();
  INSERT INTO public.user_identity_profiles (user_id) VALUES (auth.uid()) ON CONFLICT (user_id) DO NOTHING;
  UPDATE public.user_identity_profiles p SET
    core_values = CASE WHEN p_patch ? 'core_values' THEN ARRAY(SELECT jsonb_array_elements_text(coalesce(p_patch -> 'core_values', '[]'))) ELSE p.core_values END,
    life_roles = CASE WHEN p_patch ? 'life_roles' THEN ARRAY(SELECT jsonb_array_elements_text(coalesce(p_patch -> 'life_roles', '[]'))) ELSE p.life_roles END,
    motivation_drivers = CASE WHEN p_patch ? 'motivation_drivers'
                              THEN ARRAY(SELECT jsonb_array_elements_text(coalesce(p_patch -> 'motivation_drivers', '[]'))) ELSE p.motivation_drivers END,
    communication_style = CASE WHEN p_patch ? 'communication_style' THEN p_patch ->> 'communication_style' ELSE p.communication_style END,
    preferred_ai_voice = CASE WHEN p_patch ? 'preferred_ai_voice' THEN coalesce(p_patch ->> 'preferred_ai_voice', 'default') ELSE p.preferred_ai_voice END,
    formality_level = CASE WHEN p_patch ? 'formality_level' THEN coalesce(p_patch ->> 'formality_level', 'casual') ELSE p.formality_level END,
    encouragement_frequency = CASE WHEN p_patch ? 'encouragement_frequency'
                                   THEN coalesce(p_patch ->> 'encouragement_frequency', 'moderate') ELSE p.encouragement_frequency END,
    theme_customizations = CASE WHEN p_patch ? 'theme_customizations'
                                THEN coalesce(p_patch -> 'theme_customizations', '{}') ELSE p.theme_customizations END,
    last_identity_update = now()
  WHERE p.user_id = auth.uid();
  RETURN public.get_identity_profile();
END
$$;
REVOKE EXECUTE ON FUNCTION public.update_identity_profile(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.update_identity_profile(jsonb) TO authenticated;
COMMENT ON FUNCTION public.update_identity_profile(jsonb) IS 'Changes the caller''s identity attributes (values, roles, drivers, communication preferences, theme customisations).';

-- The caller's master prompt, composed deterministically (same theme, answers and attributes
-- give the same text):
--
--   <the theme's system_prompt_template>
--   <blank line>
--   About me:
--   - <each answered question's prompt_contribution with {answer} replaced (lists joined with
--     ", "), in question order>
--   Core values: <core_values joined with ", ">.          (each of these lines only when set)
--   Life roles: <life_roles>.
--   What motivates me: <motivation_drivers>.
--   Communication: <communication_style> style, <formality_level> tone, <encouragement_frequency> encouragement.
--
-- Every required question of the theme must be answered. With p_store the prompt is saved on
-- the profile and onboarding is completed (step 3).
CREATE FUNCTION public.build_master_prompt(p_store boolean DEFAULT true) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_profile public.user_identity_profiles;
  v_theme public.motivational_themes;
  v_missing integer;
  v_about text;
  v_prompt text;
BEGIN
  PERFORM internal.require_user();
  SELECT * INTO v_profile FROM public.user_identity_profiles p WHERE p.user_id = auth.uid() FOR UPDATE;
  SELECT * INTO v_theme FROM public.motivational_themes t WHERE t.id = v_profile.theme_id;
  IF v_theme.id IS NULL THEN
    RAISE EXCEPTION 'choose a theme before building your master prompt' USING ERRCODE = 'check_violation';
  END IF;
  SELECT count(*) INTO v_missing FROM public.master_prompt_questions q
   WHERE q.theme_id = v_theme.id AND q.is_active AND q.is_required
     AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_profile.master_prompt_responses) e WHERE e ->> 'question_id' = q.id::text);
  IF v_missing > 0 THEN
    RAISE EXCEPTION '% required question(s) of your theme are not answered yet', v_missing USING ERRCODE = 'check_violation';
  END IF;
  SELECT string_agg('- ' || replace(coalesce(q.prompt_contribution, q.question_text || ': {answer}'), '{answer}',
                                    CASE WHEN jsonb_typeof(e -> 'answer') = 'array'
                                         THEN (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(e -> 'answer') x)
                                         ELSE e ->> 'answer' END), E'\n' ORDER BY q.sort_order)
    INTO v_about
    FROM jsonb_array_elements(v_profile.master_prompt_responses) e
    JOIN public.master_prompt_questions q ON q.id::text = e ->> 'question_id';
  v_prompt := concat_ws(E'\n',
    btrim(v_theme.system_prompt_template),
    '',
    'About me:',
    v_about,
    CASE WHEN cardinality(v_profile.core_values) > 0 THEN 'Core values: ' || array_to_string(v_profile.core_values, ', ') || '.' END,
    CASE WHEN cardinality(v_profile.life_roles) > 0 THEN 'Life roles: ' || array_to_string(v_profile.life_roles, ', ') || '.' END,
    CASE WHEN cardinality(v_profile.motivation_drivers) > 0 THEN 'What motivates me: ' || array_to_string(v_profile.motivation_drivers, ', ') || '.' END,
    'Communication: ' || coalesce(v_profile.communication_style || ' style, ', '') || v_profile.formality_level || ' tone, '
      || v_profile.encouragement_frequency || ' encouragement.');
  IF p_store THEN
    UPDATE public.user_identity_profiles p
       SET master_prompt = v_prompt, onboarding_step = 3, onboarding_completed = true, last_identity_update = now()
     WHERE p.id = v_profile.id;
  END IF;
  RETURN jsonb_build_object('master_prompt', v_prompt, 'theme', v_theme.name,
                            'answers_used', jsonb_array_length(v_profile.master_prompt_responses), 'stored', coalesce(p_store, false));
END
$$;
REVOKE EXECUTE ON FUNCTION public.build_master_prompt(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.build_master_prompt(boolean) TO authenticated;
COMMENT ON FUNCTION public.build_master_prompt(boolean) IS 'Composes the caller''s master prompt from their theme''s persona, their answers and identity attributes (a fixed template); stores it and completes onboarding unless p_store is false.';
