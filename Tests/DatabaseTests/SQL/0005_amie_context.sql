-- 0005 get_amie_context(): the caller's theme, identity and preferences as one JSON document;
-- NULL without an identity profile; never another user's.

CREATE TEMP TABLE fx (key text PRIMARY KEY, id uuid);
GRANT ALL ON fx TO PUBLIC;
INSERT INTO fx VALUES ('alice', tests.create_user('alice@example.com')), ('mallory', tests.create_user('mallory@example.com'));
CREATE TEMP TABLE got (key text PRIMARY KEY, ctx jsonb);
GRANT ALL ON got TO PUBLIC;

-- No identity profile yet: NULL.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
INSERT INTO got VALUES ('none', public.get_amie_context());
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT ctx FROM got WHERE key = 'none'), NULL::jsonb, 'no identity profile: NULL');

-- A profile without a theme: theme is null, identity and preferences are filled.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
INSERT INTO public.user_identity_profiles (master_prompt, core_values, life_roles, communication_style,
  motivation_drivers, identity_summary, coaching_focus_areas, formality_level, encouragement_frequency, preferred_ai_voice)
VALUES ('Keep me honest', '{faith,family}', '{mother,founder}', 'direct', '{legacy}', 'A builder', '{finances}',
  'professional', 'high', 'nova');
INSERT INTO got VALUES ('no_theme', public.get_amie_context());
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT ctx FROM got WHERE key = 'no_theme'),
  '{"theme": null,
    "identity": {"master_prompt": "Keep me honest", "core_values": ["faith", "family"], "life_roles": ["mother", "founder"],
                 "communication_style": "direct", "motivation_drivers": ["legacy"], "identity_summary": "A builder",
                 "coaching_focus_areas": ["finances"]},
    "preferences": {"formality_level": "professional", "encouragement_frequency": "high", "preferred_ai_voice": "nova"}}'::jsonb,
  'profile without theme: identity and preferences, theme null');

-- With a theme: the theme's name, prompt, style and flags.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'alice'));
UPDATE public.user_identity_profiles SET theme_id = (SELECT id FROM public.motivational_themes WHERE name = 'retirement');
INSERT INTO got VALUES ('theme', public.get_amie_context());
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT ctx -> 'theme' FROM got WHERE key = 'theme'),
  (SELECT jsonb_build_object('name', 'retirement', 'system_prompt', system_prompt_template, 'style', 'analytical',
     'include_scripture', false, 'include_metrics', true, 'include_wellness', false, 'include_legacy', true)
   FROM public.motivational_themes WHERE name = 'retirement'),
  'theme object: name, system_prompt, style and the four flags');
SELECT tests.assert_eq((SELECT ctx - 'theme' FROM got WHERE key = 'theme'), (SELECT ctx - 'theme' FROM got WHERE key = 'no_theme'),
  'identity and preferences unchanged by the theme');

-- Another user gets their own context, never alice's.
SELECT tests.act_as((SELECT id FROM fx WHERE key = 'mallory'));
INSERT INTO got VALUES ('mallory_none', public.get_amie_context());
INSERT INTO public.user_identity_profiles (master_prompt) VALUES ('Mallory prompt');
INSERT INTO got VALUES ('mallory', public.get_amie_context());
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT ctx FROM got WHERE key = 'mallory_none'), NULL::jsonb, 'another user without profile gets NULL, not alice''s');
SELECT tests.assert_eq((SELECT ctx #>> '{identity,master_prompt}' FROM got WHERE key = 'mallory'), 'Mallory prompt',
  'another user gets their own context');
SELECT tests.assert_eq((SELECT ctx -> 'preferences' FROM got WHERE key = 'mallory'),
  '{"formality_level": "casual", "encouragement_frequency": "moderate", "preferred_ai_voice": "default"}'::jsonb,
  'defaults appear in preferences');

-- service_role without a user: NULL; anon may not call it.
SELECT tests.act_as_service();
INSERT INTO got VALUES ('service', public.get_amie_context());
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT public.get_amie_context()', '42501', 'anon may not execute get_amie_context');
SELECT tests.act_as_owner();
SELECT tests.assert_eq((SELECT ctx FROM got WHERE key = 'service'), NULL::jsonb, 'service_role without a user id gets NULL');
