-- One field of a text/csv REST response. Quoted when it holds a comma, a double quote or a line
-- break (quotes doubled); NULL is the empty field. A value a spreadsheet would run as a formula —
-- one starting with = + - @, a tab or a carriage return, and not simply a number — is neutralised
-- with a leading apostrophe, so that opening an export never runs what another user typed.
CREATE FUNCTION internal.csv_field(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $function$
  SELECT coalesce(CASE WHEN v ~ '[",\r\n]' THEN '"' || replace(v, '"', '""') || '"' ELSE v END, '')
  FROM (SELECT CASE WHEN p_value ~ '^[-=+@\t\r]' AND p_value !~ '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$'
                    THEN '''' || p_value ELSE p_value END) AS f (v)
$function$;

REVOKE EXECUTE ON FUNCTION internal.csv_field(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION internal.csv_field(text) TO anon, authenticated, service_role;
COMMENT ON FUNCTION internal.csv_field(text) IS
  'One CSV field: quoted when needed, empty for NULL, and formula-like text neutralised with a leading apostrophe.';
