-- Bank links through Plaid, as the server makes them: Plaid's item id kept beside the sealed
-- access token (linking the same item again replaces the token instead of adding a row, and an
-- item never moves to another user), and the link status limited to the states the server sets.

ALTER TABLE public.plaid_items ADD COLUMN plaid_item_id text;
ALTER TABLE public.plaid_items ADD CONSTRAINT plaid_items_plaid_item_id_key UNIQUE (plaid_item_id);
COMMENT ON COLUMN public.plaid_items.plaid_item_id IS 'Plaid''s id of the linked item (set by the server; not readable by client roles).';

UPDATE public.plaid_items SET status = upper(status) WHERE status <> upper(status);
UPDATE public.plaid_items SET status = 'ERROR' WHERE status NOT IN ('ACTIVE', 'LOGIN_REQUIRED', 'ERROR');
ALTER TABLE public.plaid_items ADD CONSTRAINT plaid_items_status_check CHECK (status IN ('ACTIVE', 'LOGIN_REQUIRED', 'ERROR'));
COMMENT ON COLUMN public.plaid_items.status IS 'ACTIVE; LOGIN_REQUIRED when Plaid needs the user to sign in to the bank again; ERROR.';
