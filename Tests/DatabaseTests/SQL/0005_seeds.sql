-- 0005 seeds: workbook templates (4), motivational themes (5) and master prompt questions (28)
-- exactly as written out below, and idempotent: re-running the seed inserts nothing.

-- Counts.
SELECT tests.assert_eq((SELECT count(*) FROM public.workbook_templates), 4::bigint, '4 workbook templates');
SELECT tests.assert_eq((SELECT count(*) FROM public.motivational_themes), 5::bigint, '5 motivational themes');
SELECT tests.assert_eq((SELECT count(*) FROM public.master_prompt_questions), 28::bigint, '28 master prompt questions');

-- Workbook templates: every listed attribute; one-sentence description; features array.
DO $$
DECLARE
  r record;
  t public.workbook_templates;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    (1, 'Vision Journal - Softcover', 'GLOBAL-NTB-A5-SC-100', 100, 'A5 (5.8" x 8.3")', 'softcover', 29.99,
     '["Full color interior", "12-month habit tracker", "Weekly reflection pages", "Custom cover"]'),
    (2, 'Vision Planner - Hardcover', 'GLOBAL-NTB-A5-HC-100', 100, 'A5 (5.8" x 8.3")', 'hardcover', 44.99,
     '["Hardcover protection", "Lay-flat binding", "Full color interior", "52-week journal", "Custom cover"]'),
    (3, 'Executive Vision Book', 'GLOBAL-NTB-A4-HC-120', 120, 'A4 (8.3" x 11.7")', 'hardcover', 64.99,
     '["Large format", "Expanded action plan", "Full financial section", "QR code deep links", "Ribbon bookmark"]'),
    (4, 'Legacy Edition', 'GLOBAL-NTB-LTR-HC-150', 150, 'Letter (8.5" x 11")', 'hardcover', 79.99,
     '["Premium materials", "150 pages", "Complete content", "Gift box packaging", "Certificate of authenticity"]')
  ) AS v (sort_order, name, sku, pages, size, binding, price, features)
  LOOP
    SELECT * INTO t FROM public.workbook_templates WHERE sku = r.sku;
    PERFORM tests.assert(t.id IS NOT NULL, r.sku || ' seeded');
    PERFORM tests.assert_eq(t.sort_order, r.sort_order, r.sku || ' sort_order');
    PERFORM tests.assert_eq(t.name, r.name, r.sku || ' name');
    PERFORM tests.assert_eq(t.page_count, r.pages, r.sku || ' page_count');
    PERFORM tests.assert_eq(t.size, r.size, r.sku || ' size');
    PERFORM tests.assert_eq(t.binding, r.binding, r.sku || ' binding');
    PERFORM tests.assert_eq(t.base_price, r.price::numeric, r.sku || ' base_price');
    PERFORM tests.assert_eq(t.shipping_estimate, 9.99, r.sku || ' shipping_estimate');
    PERFORM tests.assert_eq(t.features, r.features::jsonb, r.sku || ' features');
    PERFORM tests.assert_eq(t.is_active, true, r.sku || ' is_active');
    PERFORM tests.assert(t.description ~ '^[A-Z][^.]{20,}\.$', r.sku || ' description is one sentence');
  END LOOP;
END
$$;

-- Themes: listed attributes, flags, non-empty copy, other columns at their defaults.
DO $$
DECLARE
  r record;
  t public.motivational_themes;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    (1, 'christian', 'Faith & Purpose', '✝️', 'spiritual', '{scripture,legacy}', '(scripture|bible|prayer)'),
    (2, 'business_executive', 'Executive Performance', '💼', 'challenging', '{metrics}', '(roi|okr|80/20|opportunity cost)'),
    (3, 'health_fitness', 'Health & Vitality', '💪', 'encouraging', '{wellness}', '(sleep|nutrition|recovery|energy)'),
    (4, 'retirement', 'Legacy & Wisdom', '🌅', 'analytical', '{metrics,legacy}', '(retirement|estate|generational|legacy)'),
    (5, 'custom', 'Custom Theme', '⚙️', 'encouraging', '{}', '(adapt)')
  ) AS v (sort_order, name, display_name, icon, style, flags, gist)
  LOOP
    SELECT * INTO t FROM public.motivational_themes WHERE name = r.name;
    PERFORM tests.assert(t.id IS NOT NULL, r.name || ' seeded');
    PERFORM tests.assert_eq(t.sort_order, r.sort_order, r.name || ' sort_order');
    PERFORM tests.assert_eq(t.display_name, r.display_name, r.name || ' display_name');
    PERFORM tests.assert_eq(t.icon, r.icon, r.name || ' icon');
    PERFORM tests.assert_eq(t.motivation_style, r.style, r.name || ' motivation_style');
    PERFORM tests.assert_eq(t.include_scripture, 'scripture' = ANY (r.flags::text[]), r.name || ' include_scripture');
    PERFORM tests.assert_eq(t.include_metrics, 'metrics' = ANY (r.flags::text[]), r.name || ' include_metrics');
    PERFORM tests.assert_eq(t.include_wellness, 'wellness' = ANY (r.flags::text[]), r.name || ' include_wellness');
    PERFORM tests.assert_eq(t.include_legacy, 'legacy' = ANY (r.flags::text[]), r.name || ' include_legacy');
    PERFORM tests.assert(length(btrim(coalesce(t.description, ''))) > 20, r.name || ' has a description');
    PERFORM tests.assert(length(btrim(t.system_prompt_template)) > 100, r.name || ' has a system prompt');
    PERFORM tests.assert(lower(t.system_prompt_template) ~ r.gist, r.name || ' system prompt follows the persona gist');
    PERFORM tests.assert_eq(t.color_scheme, '{"primary": "#6366f1", "secondary": "#8b5cf6"}'::jsonb, r.name || ' default color_scheme');
    PERFORM tests.assert_eq(t.vocabulary_examples, '[]'::jsonb, r.name || ' default vocabulary_examples');
    PERFORM tests.assert_eq(t.content_sources, '[]'::jsonb, r.name || ' default content_sources');
    PERFORM tests.assert_eq(t.is_active, true, r.name || ' is_active');
  END LOOP;
END
$$;

-- Questions 1-5 are identical for the four non-custom themes.
DO $$
DECLARE
  r record;
  th text;
  q public.master_prompt_questions;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    (1, 'What is your primary motivation for using Visionary AI?', 'single_choice',
     '["Achieve financial goals", "Build better habits", "Plan retirement", "Personal growth", "Family planning"]',
     'Primary motivation: {answer}'),
    (2, 'How do you prefer to receive feedback?', 'single_choice',
     '["Direct and challenging", "Supportive and encouraging", "Data-driven and analytical", "Story-based and inspirational"]',
     'Feedback style: {answer}'),
    (3, 'What is your biggest obstacle to achieving your goals?', 'single_choice',
     '["Lack of time", "Lack of motivation", "Unclear direction", "Financial constraints", "Accountability"]',
     'Primary obstacle: {answer}'),
    (4, 'How often do you want check-ins from your AI coach?', 'single_choice',
     '["Daily", "Every few days", "Weekly", "Only when I ask"]', 'Check-in frequency: {answer}'),
    (5, 'What does success look like for you in 5 years?', 'text', '[]', 'Five-year vision: {answer}')
  ) AS v (sort_order, question_text, question_type, options, contribution)
  LOOP
    FOREACH th IN ARRAY ARRAY['christian', 'business_executive', 'health_fitness', 'retirement'] LOOP
      SELECT mq.* INTO q FROM public.master_prompt_questions mq
      JOIN public.motivational_themes t ON t.id = mq.theme_id
      WHERE t.name = th AND mq.sort_order = r.sort_order;
      PERFORM tests.assert(q.id IS NOT NULL, format('%s question %s seeded', th, r.sort_order));
      PERFORM tests.assert_eq(q.question_text, r.question_text, format('%s question %s text', th, r.sort_order));
      PERFORM tests.assert_eq(q.question_type, r.question_type, format('%s question %s type', th, r.sort_order));
      PERFORM tests.assert_eq(q.options, r.options::jsonb, format('%s question %s options', th, r.sort_order));
      PERFORM tests.assert_eq(q.prompt_contribution, r.contribution, format('%s question %s prompt_contribution', th, r.sort_order));
    END LOOP;
  END LOOP;
END
$$;

-- Questions 6-7 are theme-specific.
DO $$
DECLARE
  r record;
  q public.master_prompt_questions;
BEGIN
  FOR r IN SELECT * FROM (VALUES
    ('christian', 6, 'How important is faith in your goal-setting process?', 'scale',
     '["1", "2", "3", "4", "5"]', 'Faith importance (1-5): {answer}'),
    ('christian', 7, 'Would you like scripture references included in coaching?', 'single_choice',
     '["Yes, frequently", "Yes, occasionally", "No"]', 'Scripture preference: {answer}'),
    ('business_executive', 6, 'What is your current professional level?', 'single_choice',
     '["Individual Contributor", "Manager", "Director", "VP/Executive", "Founder/CEO"]', 'Professional level: {answer}'),
    ('business_executive', 7, 'What business frameworks do you use?', 'multiple_choice',
     '["OKRs", "SMART Goals", "Agile/Scrum", "Six Sigma", "None/Other"]', 'Preferred frameworks: {answer}'),
    ('health_fitness', 6, 'What is your primary health focus?', 'single_choice',
     '["Weight management", "Strength building", "Endurance/Cardio", "Mental wellness", "Overall vitality"]', 'Health focus: {answer}'),
    ('health_fitness', 7, 'How would you rate your current energy levels?', 'scale',
     '["1", "2", "3", "4", "5"]', 'Current energy (1-5): {answer}'),
    ('retirement', 6, 'How many years until your target retirement?', 'single_choice',
     '["Already retired", "0-5 years", "5-10 years", "10-20 years", "20+ years"]', 'Retirement timeline: {answer}'),
    ('retirement', 7, 'What legacy matters most to you?', 'single_choice',
     '["Financial security for family", "Wisdom and values passed on", "Charitable impact", "Business/career achievements", "Experiences and memories"]',
     'Legacy priority: {answer}')
  ) AS v (theme, sort_order, question_text, question_type, options, contribution)
  LOOP
    SELECT mq.* INTO q FROM public.master_prompt_questions mq
    JOIN public.motivational_themes t ON t.id = mq.theme_id
    WHERE t.name = r.theme AND mq.sort_order = r.sort_order;
    PERFORM tests.assert(q.id IS NOT NULL, format('%s question %s seeded', r.theme, r.sort_order));
    PERFORM tests.assert_eq(q.question_text, r.question_text, format('%s question %s text', r.theme, r.sort_order));
    PERFORM tests.assert_eq(q.question_type, r.question_type, format('%s question %s type', r.theme, r.sort_order));
    PERFORM tests.assert_eq(q.options, r.options::jsonb, format('%s question %s options', r.theme, r.sort_order));
    PERFORM tests.assert_eq(q.prompt_contribution, r.contribution, format('%s question %s prompt_contribution', r.theme, r.sort_order));
  END LOOP;
END
$$;

-- Shape of all questions: 7 per non-custom theme, none for custom, sort orders 1-7, required and
-- active, options a JSON array of strings, every contribution uses {answer}.
SELECT tests.assert_eq(
  (SELECT string_agg(t.name || ':' || q.n, ',' ORDER BY t.sort_order)
   FROM public.motivational_themes t
   LEFT JOIN LATERAL (SELECT count(*) AS n, array_agg(sort_order ORDER BY sort_order) AS orders
                      FROM public.master_prompt_questions WHERE theme_id = t.id) q ON true),
  'christian:7,business_executive:7,health_fitness:7,retirement:7,custom:0',
  'questions per theme');
SELECT tests.assert_eq(
  (SELECT count(DISTINCT theme_id) FROM public.master_prompt_questions
   WHERE (SELECT array_agg(sort_order ORDER BY sort_order) FROM public.master_prompt_questions x
          WHERE x.theme_id = master_prompt_questions.theme_id) = ARRAY[1, 2, 3, 4, 5, 6, 7]),
  4::bigint, 'each theme''s questions are numbered 1 to 7');
SELECT tests.assert_eq(
  (SELECT count(*) FROM public.master_prompt_questions
   WHERE is_required AND is_active AND jsonb_typeof(options) = 'array'
     AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(options) e WHERE jsonb_typeof(e) <> 'string')
     AND prompt_contribution LIKE '%{answer}%'
     AND (question_type = 'text') = (options = '[]'::jsonb)),
  28::bigint, 'every question is required, active, has string options (none only for text) and an {answer} template');
SELECT tests.assert_eq(
  (SELECT count(*) FROM public.master_prompt_questions WHERE theme_id IS NULL), 0::bigint,
  'every seeded question belongs to a theme');

-- Re-running the seeds inserts nothing and leaves the counts unchanged.
SELECT tests.assert_eq(internal.seed_workbook_templates(), 0, 're-running the template seed inserts nothing');
SELECT tests.assert_eq(internal.seed_motivational_themes(), 0, 're-running the theme seed inserts nothing');
SELECT tests.assert_eq(internal.seed_master_prompt_questions(), 0, 're-running the question seed inserts nothing');
SELECT tests.assert_eq(
  (SELECT ARRAY[(SELECT count(*) FROM public.workbook_templates), (SELECT count(*) FROM public.motivational_themes),
                (SELECT count(*) FROM public.master_prompt_questions)]),
  ARRAY[4, 5, 28]::bigint[], 'counts unchanged after re-running the seeds');

-- A missing row is restored by re-running its seed (the natural key decides what is missing),
-- and a theme restored brings its questions back with it.
DELETE FROM public.workbook_templates WHERE sku = 'GLOBAL-NTB-A4-HC-120';
SELECT tests.assert_eq(internal.seed_workbook_templates(), 1, 'a deleted template is re-seeded');
DELETE FROM public.motivational_themes WHERE name = 'retirement';
SELECT tests.assert_eq((SELECT count(*) FROM public.master_prompt_questions), 21::bigint,
  'deleting a theme cascades to its 7 questions');
SELECT tests.assert_eq(internal.seed_motivational_themes(), 1, 'a deleted theme is re-seeded');
SELECT tests.assert_eq(internal.seed_master_prompt_questions(), 7, 'its 7 questions are re-seeded');
SELECT tests.assert_eq(
  (SELECT ARRAY[(SELECT count(*) FROM public.workbook_templates), (SELECT count(*) FROM public.motivational_themes),
                (SELECT count(*) FROM public.master_prompt_questions)]),
  ARRAY[4, 5, 28]::bigint[], 'counts back to 4, 5, 28');

-- The seed functions are not callable by any API role.
SELECT tests.act_as_service();
SELECT tests.assert_raises('SELECT internal.seed_motivational_themes()', '42501', 'service_role cannot run a seed');
SELECT tests.act_as_anon();
SELECT tests.assert_raises('SELECT internal.seed_workbook_templates()', '42501', 'anon cannot run a seed');
SELECT tests.act_as_owner();
