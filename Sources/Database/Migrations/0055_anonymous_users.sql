-- Anonymous users (`POST /signup` without credentials, when the server allows it) try the app
-- before signing up: they start with no credits and cannot pay, and receive the sign-up bonus
-- when they link a confirmed email, keeping everything they made.

CREATE OR REPLACE FUNCTION public.handle_new_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $function$
DECLARE
  v_previous text[];
BEGIN
  v_previous := internal.set_credit_reason('signup_bonus', NULL);
  INSERT INTO public.profiles (id, credits, subscription_tier)
  VALUES (NEW.id, CASE WHEN NEW.is_anonymous THEN 0 ELSE 3 END, 'FREE')
  ON CONFLICT (id) DO NOTHING;
  PERFORM internal.set_credit_reason(v_previous[1], v_previous[2]);
  RETURN NEW;
END
$function$;
COMMENT ON FUNCTION public.handle_new_user() IS 'Trigger on auth.users: creates the user''s profile (FREE; 3 credits and their signup_bonus ledger row, none for an anonymous user), unless the profile exists.';

-- The sign-up bonus an anonymous user did not get, once, when it links an email.
CREATE FUNCTION internal.grant_bonus_on_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $function$
BEGIN
  PERFORM public.adjust_user_credits(NEW.id, 3, 'signup_bonus', 'linked');
  RETURN NULL;
END
$function$;
REVOKE EXECUTE ON FUNCTION internal.grant_bonus_on_link() FROM PUBLIC;
COMMENT ON FUNCTION internal.grant_bonus_on_link() IS 'Trigger: an anonymous user that links an email gets the sign-up bonus (once).';

CREATE TRIGGER grant_bonus_on_link
  AFTER UPDATE OF is_anonymous ON auth.users
  FOR EACH ROW WHEN (OLD.is_anonymous AND NOT NEW.is_anonymous)
  EXECUTE FUNCTION internal.grant_bonus_on_link();
