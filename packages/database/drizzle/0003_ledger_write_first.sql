-- Write-first ledger functions (replaces the versions of 0001). The common path of every movement no longer
-- looks the idempotency key up before writing: a reused key makes the final INSERT hit the unique
-- (user_id, idempotency_key) index, which aborts the whole statement (so the balance/hold updates roll back)
-- and the client reads the first entry with ledger_lookup / ledger_lookup_hold. A retry after the first call
-- committed is still answered without error when the guarded UPDATE finds nothing to do (insufficient
-- balance, hold no longer active): those paths look the key up before reporting a failure.
-- This saves one or two index probes per movement on the hot path (see bench/ledger.bench.ts).
-- Why a status-guarded hold UPDATE matched nothing: no such hold, a replay of this key, or already resolved.
CREATE FUNCTION ledger_hold_miss(p_hold uuid, p_key text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_hold credit_holds;
  v_entry credit_logs;
BEGIN
  SELECT * INTO v_hold FROM credit_holds WHERE id = p_hold;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('status', 'hold_not_found');
  END IF;
  SELECT * INTO v_entry FROM credit_logs WHERE user_id = v_hold.user_id AND idempotency_key = p_key;
  IF FOUND THEN
    RETURN ledger_replay(v_entry);
  END IF;
  RETURN jsonb_build_object('status', 'hold_not_active', 'hold_status', v_hold.status);
END
$$;
--> statement-breakpoint
-- ledger_lookup for callers that know the hold but not its user (settle/release after a 23505).
CREATE FUNCTION ledger_lookup_hold(p_hold uuid, p_key text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT ledger_lookup(h.user_id, p_key) FROM credit_holds h WHERE h.id = p_hold),
    jsonb_build_object('status', 'none')
  )
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_grant(p_user text, p_amount bigint, p_key text, p_operation text, p_metadata jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_entry credit_logs;
  v_balance bigint;
BEGIN
  UPDATE users SET credits = credits + p_amount, updated_at = now() WHERE id = p_user
    RETURNING credits INTO v_balance;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('status', 'user_not_found');
  END IF;
  INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after, idempotency_key, metadata)
    VALUES (p_user, 'grant', p_operation, p_amount, 0, v_balance, p_key, p_metadata)
    RETURNING * INTO v_entry;
  RETURN jsonb_build_object('status', 'ok', 'entry', to_jsonb(v_entry));
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_charge(p_user text, p_amount bigint, p_key text, p_operation text,
  p_allow_partial boolean, p_details jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_entry credit_logs;
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
    RETURNING * INTO v_entry;
  RETURN jsonb_build_object('status', 'ok', 'entry', to_jsonb(v_entry));
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_reserve(p_user text, p_amount bigint, p_key text, p_operation text, p_run_id text,
  p_ttl_ms bigint, p_metadata jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_entry credit_logs;
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
    VALUES (p_user, 'hold', p_operation, -p_amount, 0, v_balance, p_run_id, v_hold.id, p_key, p_metadata)
    RETURNING * INTO v_entry;
  RETURN jsonb_build_object('status', 'ok', 'entry', to_jsonb(v_entry), 'hold', to_jsonb(v_hold));
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_settle(p_hold uuid, p_amount bigint, p_key text, p_details jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_hold credit_holds;
  v_entry credit_logs;
  v_user text;
  v_available bigint;
  v_balance bigint;
  v_take bigint := 0;
  v_released bigint := 0;
  v_charged bigint;
  v_shortfall bigint := 0;
BEGIN
  UPDATE credit_holds SET status = 'settled', resolved_at = now(), resolution = 'settled'
    WHERE id = p_hold AND status = 'active'
    RETURNING * INTO v_hold;
  IF NOT FOUND THEN
    -- Unknown, or resolved already (possibly by our own earlier or concurrent call with this key: then the
    -- status-guarded UPDATE waited for it to commit, and this fresh snapshot sees its entry).
    RETURN ledger_hold_miss(p_hold, p_key);
  END IF;
  v_user := v_hold.user_id;
  IF p_amount <= v_hold.amount THEN
    v_released := v_hold.amount - p_amount;
    v_charged := p_amount;
    UPDATE users SET credits = credits + v_released, updated_at = now() WHERE id = v_user
      RETURNING credits INTO v_balance;
  ELSE
    SELECT credits INTO v_available FROM users WHERE id = v_user FOR UPDATE;
    v_take := least(p_amount - v_hold.amount, v_available);
    v_shortfall := p_amount - v_hold.amount - v_take;
    v_charged := v_hold.amount + v_take;
    UPDATE users SET credits = credits - v_take, updated_at = now() WHERE id = v_user
      RETURNING credits INTO v_balance;
  END IF;
  INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after, shortfall, tokens_used, model,
      uncached_input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
      finish_reason, run_id, hold_id, idempotency_key, price_version, cost_micros, estimated, metadata)
    SELECT v_user, 'settle', v_hold.operation, v_released - v_take, v_charged, v_balance, v_shortfall,
      d.tokens_used, d.model, d.uncached_input_tokens, d.cached_input_tokens, d.cache_write_tokens,
      d.output_tokens, d.reasoning_tokens, d.finish_reason, coalesce(d.run_id, v_hold.run_id), p_hold, p_key,
      d.price_version, d.cost_micros, coalesce(d.estimated, false), d.metadata
    FROM jsonb_populate_record(NULL::credit_logs, p_details) AS d
    RETURNING * INTO v_entry;
  RETURN jsonb_build_object('status', 'ok', 'entry', to_jsonb(v_entry), 'hold', to_jsonb(v_hold),
    'held', ledger_held(v_user));
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_release(p_hold uuid, p_key text, p_reason text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_hold credit_holds;
  v_entry credit_logs;
  v_user text;
  v_balance bigint;
BEGIN
  UPDATE credit_holds SET status = 'released', resolved_at = now(), resolution = coalesce(p_reason, 'released')
    WHERE id = p_hold AND status = 'active'
    RETURNING * INTO v_hold;
  IF NOT FOUND THEN
    -- Unknown, or resolved already (possibly by our own earlier or concurrent call with this key: then the
    -- status-guarded UPDATE waited for it to commit, and this fresh snapshot sees its entry).
    RETURN ledger_hold_miss(p_hold, p_key);
  END IF;
  v_user := v_hold.user_id;
  UPDATE users SET credits = credits + v_hold.amount, updated_at = now() WHERE id = v_user
    RETURNING credits INTO v_balance;
  INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after, run_id, hold_id, idempotency_key,
      metadata)
    VALUES (v_user, 'release', v_hold.operation, v_hold.amount, 0, v_balance, v_hold.run_id, p_hold, p_key,
      CASE WHEN p_reason IS NULL THEN NULL ELSE jsonb_build_object('reason', p_reason) END)
    RETURNING * INTO v_entry;
  RETURN jsonb_build_object('status', 'ok', 'entry', to_jsonb(v_entry), 'hold', to_jsonb(v_hold),
    'held', ledger_held(v_user));
END
$$;
