-- Payments through Stripe, as the server records them.
--
-- Every webhook event the server acts on is kept once by its id (a replay finds it and does
-- nothing). A subscription's state moves only forward: each change carries the `created` time
-- of the Stripe event that made it, and an older event is ignored. A payment that arrives for an
-- order cancelled in the meantime is refunded, and the refund recorded.

CREATE TABLE internal.stripe_events (
  id text PRIMARY KEY CHECK (octet_length(id) <= 255),
  type text NOT NULL,
  created timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  outcome text NOT NULL DEFAULT 'applied'
);
COMMENT ON TABLE internal.stripe_events IS 'Stripe webhook events acted on, once each: the event id, type, Stripe''s created time, and what the server did.';

ALTER TABLE public.profiles
  ADD COLUMN stripe_subscription_id text,
  ADD COLUMN subscription_changed_at timestamptz;
COMMENT ON COLUMN public.profiles.stripe_subscription_id IS 'The Stripe subscription behind a paid tier (set by the server from verified webhook events).';
COMMENT ON COLUMN public.profiles.subscription_changed_at IS 'Stripe''s created time of the event that last changed the subscription: older events are ignored.';
ALTER TABLE public.profiles DROP CONSTRAINT profiles_subscription_status_check;
ALTER TABLE public.profiles ADD CONSTRAINT profiles_subscription_status_check
  CHECK (subscription_status IN ('inactive', 'active', 'past_due', 'cancelled'));
COMMENT ON COLUMN public.profiles.subscription_status IS 'Subscription state: inactive, active, past_due (a payment failed) or cancelled.';

CREATE TABLE internal.payment_refunds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  order_table text NOT NULL CHECK (order_table IN ('poster_orders', 'print_orders', 'workbook_orders')),
  order_id uuid NOT NULL,
  stripe_event_id text NOT NULL REFERENCES internal.stripe_events (id),
  payment_intent text NOT NULL,
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  stripe_refund_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (payment_intent)
);
COMMENT ON TABLE internal.payment_refunds IS 'Payments refunded because they could not pay their order (cancelled or paid meanwhile, a wrong amount, a price no longer held): Stripe''s refund id once it answered.';
CREATE INDEX payment_refunds_user_id_idx ON internal.payment_refunds (user_id);
