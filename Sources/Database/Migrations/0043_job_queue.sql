-- The job queue: background work (mail, check-ins, reviews, leaderboards, ingestion, rendering)
-- as rows that any number of worker processes take with FOR UPDATE SKIP LOCKED, so each job runs
-- once however many workers poll. A worker holds a job under a lease; a job whose lease runs out
-- (its worker was killed) is taken again. A failed job waits for its next attempt (the worker
-- computes when: exponential backoff with jitter) until its attempts are spent, then stays as a
-- dead letter until an operator retries or discards it. An idempotency key makes enqueuing the
-- same work twice a no-op. Times are given by the worker (its clock), never read from now().
-- Only the schema owner reaches any of it.

CREATE TABLE internal.jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,62}$'),
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
  run_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
  last_error text,
  leased_by text,
  leased_until timestamptz,
  created_at timestamptz NOT NULL,
  finished_at timestamptz,
  CONSTRAINT jobs_lease_check CHECK ((state = 'running') = (leased_by IS NOT NULL AND leased_until IS NOT NULL)),
  CONSTRAINT jobs_idempotency_key_key UNIQUE (kind, idempotency_key)
);
COMMENT ON TABLE internal.jobs IS 'Background work: one row per job, taken by workers with FOR UPDATE SKIP LOCKED under a lease; dead letters stay until retried or discarded.';
COMMENT ON COLUMN internal.jobs.id IS 'Primary key.';
COMMENT ON COLUMN internal.jobs.kind IS 'What to do (a worker runs the kinds it has handlers for), e.g. mail.send.';
COMMENT ON COLUMN internal.jobs.payload IS 'The job''s input, as its handler reads it.';
COMMENT ON COLUMN internal.jobs.idempotency_key IS 'Enqueuing a job of the same kind and key again returns the first job instead of adding one.';
COMMENT ON COLUMN internal.jobs.state IS 'queued (waiting for run_at), running (leased), succeeded, or dead (attempts spent).';
COMMENT ON COLUMN internal.jobs.run_at IS 'When the job may run next.';
COMMENT ON COLUMN internal.jobs.attempts IS 'Attempts started so far (a job released at shutdown does not count one).';
COMMENT ON COLUMN internal.jobs.max_attempts IS 'Attempts after which a failure makes the job a dead letter.';
COMMENT ON COLUMN internal.jobs.last_error IS 'Why the last attempt failed.';
COMMENT ON COLUMN internal.jobs.leased_by IS 'The worker running the job.';
COMMENT ON COLUMN internal.jobs.leased_until IS 'When the lease runs out and another worker may take the job.';
COMMENT ON COLUMN internal.jobs.created_at IS 'When the job was enqueued.';
COMMENT ON COLUMN internal.jobs.finished_at IS 'When it succeeded or died.';

CREATE INDEX jobs_due_idx ON internal.jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_lease_idx ON internal.jobs (leased_until) WHERE state = 'running';
CREATE INDEX jobs_dead_idx ON internal.jobs (finished_at) WHERE state = 'dead';

-- Adds a job; with an idempotency key already used for the kind, returns that job instead.
CREATE FUNCTION internal.enqueue_job(
  p_kind text, p_payload jsonb, p_run_at timestamptz, p_now timestamptz,
  p_idempotency_key text DEFAULT NULL, p_max_attempts integer DEFAULT 5
) RETURNS uuid
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_id uuid;
BEGIN
  INSERT INTO internal.jobs (kind, payload, run_at, created_at, idempotency_key, max_attempts)
  VALUES (p_kind, coalesce(p_payload, '{}'::jsonb), p_run_at, p_now, p_idempotency_key, p_max_attempts)
  ON CONFLICT (kind, idempotency_key) DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    SELECT id INTO v_id FROM internal.jobs WHERE kind = p_kind AND idempotency_key = p_idempotency_key;
  END IF;
  RETURN v_id;
END;
$$;

-- Takes up to p_limit jobs of the given kinds that are due, or whose lease ran out, for
-- p_worker: each taken by one caller only (SKIP LOCKED), its attempt counted, its lease set.
-- A job whose lease ran out with its attempts already spent becomes a dead letter instead.
CREATE FUNCTION internal.claim_jobs(
  p_worker text, p_kinds text[], p_now timestamptz, p_lease_seconds integer, p_limit integer
) RETURNS SETOF internal.jobs
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  UPDATE internal.jobs
  SET state = 'dead', finished_at = p_now, leased_by = NULL, leased_until = NULL,
      last_error = coalesce(last_error || '; ', '') || 'the lease of its last attempt ran out'
  WHERE id IN (
    SELECT id FROM internal.jobs
    WHERE state = 'running' AND leased_until <= p_now AND attempts >= max_attempts AND kind = ANY (p_kinds)
    FOR UPDATE SKIP LOCKED);

  RETURN QUERY
  UPDATE internal.jobs AS j
  SET state = 'running', attempts = j.attempts + 1, leased_by = p_worker,
      leased_until = p_now + make_interval(secs => greatest(p_lease_seconds, 1))
  FROM (
    SELECT id FROM internal.jobs
    WHERE kind = ANY (p_kinds)
      AND ((state = 'queued' AND run_at <= p_now) OR (state = 'running' AND leased_until <= p_now))
    ORDER BY run_at, created_at
    LIMIT greatest(p_limit, 0)
    FOR UPDATE SKIP LOCKED
  ) AS due
  WHERE j.id = due.id
  RETURNING j.*;
END;
$$;

-- The job succeeded: true when p_worker still held its lease (else another worker has taken it
-- again, and this outcome is dropped).
CREATE FUNCTION internal.finish_job(p_id uuid, p_worker text, p_now timestamptz) RETURNS boolean
LANGUAGE sql
SET search_path = ''
AS $$
  WITH done AS (
    UPDATE internal.jobs SET state = 'succeeded', finished_at = p_now, leased_by = NULL, leased_until = NULL, last_error = NULL
    WHERE id = p_id AND state = 'running' AND leased_by = p_worker
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM done);
$$;

-- The attempt failed: the job waits until p_retry_at, or becomes a dead letter when its attempts
-- are spent. Returns the job's new state, or NULL when p_worker no longer held its lease.
CREATE FUNCTION internal.fail_job(p_id uuid, p_worker text, p_error text, p_retry_at timestamptz, p_now timestamptz) RETURNS text
LANGUAGE sql
SET search_path = ''
AS $$
  UPDATE internal.jobs
  SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
      run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE p_retry_at END,
      finished_at = CASE WHEN attempts >= max_attempts THEN p_now END,
      last_error = left(coalesce(p_error, 'failed'), 2000), leased_by = NULL, leased_until = NULL
  WHERE id = p_id AND state = 'running' AND leased_by = p_worker
  RETURNING state;
$$;

-- The worker stops before the job ran to its end (a graceful shutdown): the job is queued again
-- at once, and the attempt is not counted.
CREATE FUNCTION internal.release_job(p_id uuid, p_worker text) RETURNS boolean
LANGUAGE sql
SET search_path = ''
AS $$
  WITH released AS (
    UPDATE internal.jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), leased_by = NULL, leased_until = NULL
    WHERE id = p_id AND state = 'running' AND leased_by = p_worker
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM released);
$$;

-- An operator retries a dead letter: queued at p_now with its attempts reset.
CREATE FUNCTION internal.retry_job(p_id uuid, p_now timestamptz) RETURNS boolean
LANGUAGE sql
SET search_path = ''
AS $$
  WITH retried AS (
    UPDATE internal.jobs SET state = 'queued', attempts = 0, run_at = p_now, finished_at = NULL
    WHERE id = p_id AND state = 'dead'
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM retried);
$$;

-- An operator discards a dead letter, or a job still waiting (never one that is running).
CREATE FUNCTION internal.discard_job(p_id uuid) RETURNS boolean
LANGUAGE sql
SET search_path = ''
AS $$
  WITH discarded AS (
    DELETE FROM internal.jobs WHERE id = p_id AND state IN ('dead', 'queued')
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM discarded);
$$;

REVOKE EXECUTE ON FUNCTION internal.enqueue_job(text, jsonb, timestamptz, timestamptz, text, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION internal.claim_jobs(text, text[], timestamptz, integer, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION internal.finish_job(uuid, text, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION internal.fail_job(uuid, text, text, timestamptz, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION internal.release_job(uuid, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION internal.retry_job(uuid, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION internal.discard_job(uuid) FROM PUBLIC;
