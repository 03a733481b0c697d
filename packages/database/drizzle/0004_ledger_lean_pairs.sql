-- Custom migration (drizzle-kit generate --custom): cheaper reserve/settle/release/charge, same invariants,
-- same signatures. Measured with pgbench scripts calling these functions, perf and WAL-position diffs (see the
-- package README, "Benchmark"). The next, generated migration makes ledger_uuidv7() the id default of
-- credit_logs and credit_holds, drops the redundant hold index and the credit_logs.hold_id foreign key.
--
-- Time-ordered UUIDs (RFC 9562 version 7): 48-bit Unix milliseconds, then the random bits of
-- gen_random_uuid() with the version nibble set to 7. Random (v4) primary keys scatter inserts over the whole
-- index (page splits, a full-page image in the WAL for each page first touched after a checkpoint, a working
-- set that grows with the table); v7 keys land on the right edge. The random bits keep ids unguessable.
-- A one-expression SQL function, so it is inlined into the plans that call it (no per-call overhead).
CREATE FUNCTION ledger_uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid()) PLACING
        substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;
--> statement-breakpoint
-- plpgsql instead of sql: a non-inlinable SQL function is parsed and planned again on every call from
-- plpgsql (about 11% of a reserve+settle pair's server CPU); a plpgsql body keeps its plan for the session.
CREATE OR REPLACE FUNCTION ledger_held(p_user text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT coalesce(sum(amount), 0)::bigint FROM credit_holds WHERE user_id = p_user AND status = 'active');
END
$$;
--> statement-breakpoint
-- What the success paths return about the entry they wrote: what the client reads, not the whole row (the
-- replay paths still return whole rows through ledger_replay, which the client compares parameter by
-- parameter). Same keys as the row, so a client expecting the whole row still finds these. STABLE (as
-- jsonb_build_object is) so the planner inlines it.
CREATE FUNCTION ledger_movement(p_id uuid, p_delta bigint, p_cost bigint, p_shortfall bigint, p_balance bigint)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object('id', p_id, 'delta', p_delta, 'cost', p_cost, 'shortfall', p_shortfall,
    'balance_after', p_balance)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_charge(p_user text, p_amount bigint, p_key text, p_operation text,
  p_allow_partial boolean, p_details jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
  v_available bigint;
  v_balance bigint;
  v_take bigint;
BEGIN
  IF p_allow_partial THEN
    SELECT credits INTO v_available FROM users WHERE id = p_user FOR UPDATE;
    IF NOT FOUND THEN
      RETURN jsonb_build_object('status', 'user_not_found');
    END IF;
    v_take := least(v_available, p_amount);
    UPDATE users SET credits = credits - v_take, updated_at = now() WHERE id = p_user
      RETURNING credits INTO v_balance;
  ELSE
    UPDATE users SET credits = credits - p_amount, updated_at = now()
      WHERE id = p_user AND credits >= p_amount
      RETURNING credits INTO v_balance;
    IF NOT FOUND THEN
      RETURN ledger_explain_miss(p_user, p_key);
    END IF;
    v_take := p_amount;
  END IF;
  INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after, shortfall, tokens_used, model,
      uncached_input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
      finish_reason, run_id, idempotency_key, price_version, cost_micros, estimated, metadata)
    SELECT p_user, 'charge', p_operation, -v_take, v_take, v_balance, p_amount - v_take, d.tokens_used, d.model,
      d.uncached_input_tokens, d.cached_input_tokens, d.cache_write_tokens, d.output_tokens, d.reasoning_tokens,
      d.finish_reason, d.run_id, p_key, d.price_version, d.cost_micros, coalesce(d.estimated, false), d.metadata
    FROM jsonb_populate_record(NULL::credit_logs, p_details) AS d
    RETURNING id INTO v_id;
  RETURN jsonb_build_object('status', 'ok',
    'entry', ledger_movement(v_id, -v_take, v_take, p_amount - v_take, v_balance));
END
$$;
--> statement-breakpoint
-- The 'hold' entry carries the same (user_id, idempotency_key) as the hold, in the same statement: the unique
-- index on credit_logs is what makes a reused reserve key fail (I4), so credit_holds needs no second one.
CREATE OR REPLACE FUNCTION ledger_reserve(p_user text, p_amount bigint, p_key text, p_operation text, p_run_id text,
  p_ttl_ms bigint, p_metadata jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_hold credit_holds;
  v_balance bigint;
BEGIN
  UPDATE users SET credits = credits - p_amount, updated_at = now()
    WHERE id = p_user AND credits >= p_amount
    RETURNING credits INTO v_balance;
  IF NOT FOUND THEN
    RETURN ledger_explain_miss(p_user, p_key);
  END IF;
  INSERT INTO credit_holds (user_id, amount, operation, run_id, idempotency_key, expires_at, metadata)
    VALUES (p_user, p_amount, p_operation, p_run_id, p_key, now() + p_ttl_ms * interval '1 millisecond', p_metadata)
    RETURNING * INTO v_hold;
  INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after, run_id, hold_id, idempotency_key,
      metadata)
    VALUES (p_user, 'hold', p_operation, -p_amount, 0, v_balance, p_run_id, v_hold.id, p_key, p_metadata);
  RETURN jsonb_build_object('status', 'ok', 'hold', to_jsonb(v_hold));
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_settle(p_hold uuid, p_amount bigint, p_key text, p_details jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_user text;
  v_amount bigint;
  v_operation text;
  v_run_id text;
  v_id uuid;
  v_available bigint;
  v_balance bigint;
  v_take bigint := 0;
  v_released bigint := 0;
  v_charged bigint;
  v_shortfall bigint := 0;
  v_held bigint;
BEGIN
  UPDATE credit_holds SET status = 'settled', resolved_at = now(), resolution = 'settled'
    WHERE id = p_hold AND status = 'active'
    RETURNING user_id, amount, operation, run_id INTO v_user, v_amount, v_operation, v_run_id;
  IF NOT FOUND THEN
    -- Unknown, or resolved already (possibly by our own earlier or concurrent call with this key: then the
    -- status-guarded UPDATE waited for it to commit, and this fresh snapshot sees its entry).
    RETURN ledger_hold_miss(p_hold, p_key);
  END IF;
  IF p_amount <= v_amount THEN
    v_released := v_amount - p_amount;
    v_charged := p_amount;
    UPDATE users SET credits = credits + v_released, updated_at = now() WHERE id = v_user
      RETURNING credits INTO v_balance;
  ELSE
    SELECT credits INTO v_available FROM users WHERE id = v_user FOR UPDATE;
    v_take := least(p_amount - v_amount, v_available);
    v_shortfall := p_amount - v_amount - v_take;
    v_charged := v_amount + v_take;
    UPDATE users SET credits = credits - v_take, updated_at = now() WHERE id = v_user
      RETURNING credits INTO v_balance;
  END IF;
  INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after, shortfall, tokens_used, model,
      uncached_input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
      finish_reason, run_id, hold_id, idempotency_key, price_version, cost_micros, estimated, metadata)
    SELECT v_user, 'settle', v_operation, v_released - v_take, v_charged, v_balance, v_shortfall,
      d.tokens_used, d.model, d.uncached_input_tokens, d.cached_input_tokens, d.cache_write_tokens,
      d.output_tokens, d.reasoning_tokens, d.finish_reason, coalesce(d.run_id, v_run_id), p_hold, p_key,
      d.price_version, d.cost_micros, coalesce(d.estimated, false), d.metadata
    FROM jsonb_populate_record(NULL::credit_logs, p_details) AS d
    RETURNING id INTO v_id;
  -- Inline rather than ledger_held(): one cached plan, no function call.
  SELECT coalesce(sum(amount), 0)::bigint INTO v_held FROM credit_holds WHERE user_id = v_user AND status = 'active';
  RETURN jsonb_build_object('status', 'ok',
    'entry', ledger_movement(v_id, v_released - v_take, v_charged, v_shortfall, v_balance), 'held', v_held);
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_release(p_hold uuid, p_key text, p_reason text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_user text;
  v_amount bigint;
  v_operation text;
  v_run_id text;
  v_id uuid;
  v_balance bigint;
BEGIN
  UPDATE credit_holds SET status = 'released', resolved_at = now(), resolution = coalesce(p_reason, 'released')
    WHERE id = p_hold AND status = 'active'
    RETURNING user_id, amount, operation, run_id INTO v_user, v_amount, v_operation, v_run_id;
  IF NOT FOUND THEN
    RETURN ledger_hold_miss(p_hold, p_key);
  END IF;
  UPDATE users SET credits = credits + v_amount, updated_at = now() WHERE id = v_user
    RETURNING credits INTO v_balance;
  INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after, run_id, hold_id, idempotency_key,
      metadata)
    VALUES (v_user, 'release', v_operation, v_amount, 0, v_balance, v_run_id, p_hold, p_key,
      CASE WHEN p_reason IS NULL THEN NULL ELSE jsonb_build_object('reason', p_reason) END)
    RETURNING id INTO v_id;
  RETURN jsonb_build_object('status', 'ok', 'entry', ledger_movement(v_id, v_amount, 0, 0, v_balance));
END
$$;
