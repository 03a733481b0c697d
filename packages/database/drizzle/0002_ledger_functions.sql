-- Custom migration (drizzle-kit generate --custom): triggers and the ledger's movement functions.
--
-- Why functions: every credit movement is ONE round trip and ONE implicit transaction
-- (`select ledger_x(...)` in autocommit), with the guarded UPDATE, the hold row and the ledger row written
-- together (I2). The functions are VOLATILE plpgsql, so in READ COMMITTED each statement inside them takes a
-- fresh snapshot: after waiting on a row lock held by a concurrent call with the same idempotency key, the
-- next statement sees that call's committed ledger row and answers a replay instead of a second effect (I4).
--
-- Write-first: the common path of every movement does not look the idempotency key up before writing (that
-- would cost one or two index probes per movement; see bench/ledger.bench.ts). A reused key makes the final
-- INSERT hit the unique (user_id, idempotency_key) index, which aborts the whole statement (so the balance
-- and hold updates roll back), and the client reads the first entry with ledger_lookup / ledger_lookup_hold.
-- A retry after the first call committed is still answered without error when the guarded UPDATE finds
-- nothing to do (insufficient balance, hold no longer active): those paths look the key up before reporting
-- a failure (ledger_explain_miss, ledger_hold_miss).
--
-- Every function returns jsonb: {status: ok|replay|insufficient|user_not_found|hold_not_found|hold_not_active,
-- entry?, hold?, balance?, held?, ...}. Replays return whole rows (to_jsonb() of credit_logs / credit_holds,
-- snake_case keys) for the client to compare parameter by parameter; the success paths of charge, reserve,
-- settle and release return only what the client reads (ledger_movement). The costs of these choices were
-- measured with pgbench scripts calling these functions, perf and WAL-position diffs (package README,
-- "Benchmark").

-- The documented snippet inserts only (user_id, operation, cost, tokens_used) after debiting users.credits
-- itself: fill kind/delta/balance_after so that row is a valid 'charge' of `cost` (I2 holds: delta = -cost).
-- The columns stay NOT NULL; PostgreSQL checks NOT NULL after BEFORE triggers ran. The WHEN clause keeps
-- the ledger's own inserts (which set every column) from calling the function at all.
CREATE FUNCTION credit_logs_fill_defaults() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind IS NULL THEN
    NEW.kind := 'charge';
  END IF;
  IF NEW.delta IS NULL THEN
    IF NEW.kind <> 'charge' THEN
      RAISE EXCEPTION 'credit_logs.delta is required for % entries', NEW.kind USING ERRCODE = 'not_null_violation';
    END IF;
    NEW.delta := -NEW.cost;
  END IF;
  IF NEW.balance_after IS NULL THEN
    SELECT credits INTO NEW.balance_after FROM users WHERE id = NEW.user_id;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER credit_logs_fill_defaults BEFORE INSERT ON credit_logs FOR EACH ROW
  WHEN (NEW.kind IS NULL OR NEW.delta IS NULL OR NEW.balance_after IS NULL)
  EXECUTE FUNCTION credit_logs_fill_defaults();
--> statement-breakpoint
-- I6: the ledger is append-only; corrections are new reversing ('adjust') rows. This trigger binds every
-- role, the owner included; sql/roles.sql additionally gives the app role no UPDATE, DELETE or TRUNCATE.
CREATE FUNCTION credit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_logs is append-only: % is not allowed (write a reversing entry instead)', TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER credit_logs_append_only BEFORE UPDATE OR DELETE ON credit_logs FOR EACH ROW
  EXECUTE FUNCTION credit_logs_append_only();
--> statement-breakpoint
-- plpgsql instead of sql: a non-inlinable SQL function is parsed and planned again on every call from
-- plpgsql (about 11% of a reserve+settle pair's server CPU); a plpgsql body keeps its plan for the session.
CREATE FUNCTION ledger_held(p_user text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT coalesce(sum(amount), 0)::bigint FROM credit_holds WHERE user_id = p_user AND status = 'active');
END
$$;
--> statement-breakpoint
-- The answer to a retry: the first call's entry (and its hold), for the caller to compare parameters.
CREATE FUNCTION ledger_replay(p_entry credit_logs) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'status', 'replay',
    'entry', to_jsonb(p_entry),
    'hold', (SELECT to_jsonb(h) FROM credit_holds h WHERE h.id = p_entry.hold_id),
    'held', ledger_held(p_entry.user_id)
  )
$$;
--> statement-breakpoint
CREATE FUNCTION ledger_lookup(p_user text, p_key text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_entry credit_logs;
BEGIN
  SELECT * INTO v_entry FROM credit_logs WHERE user_id = p_user AND idempotency_key = p_key;
  IF FOUND THEN
    RETURN ledger_replay(v_entry);
  END IF;
  RETURN jsonb_build_object('status', 'none');
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
-- Why a guarded UPDATE failed: a concurrent same-key call won (replay), no such user, or too few credits.
CREATE FUNCTION ledger_explain_miss(p_user text, p_key text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_entry credit_logs;
  v_available bigint;
BEGIN
  SELECT * INTO v_entry FROM credit_logs WHERE user_id = p_user AND idempotency_key = p_key;
  IF FOUND THEN
    RETURN ledger_replay(v_entry);
  END IF;
  SELECT credits INTO v_available FROM users WHERE id = p_user;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('status', 'user_not_found');
  END IF;
  RETURN jsonb_build_object('status', 'insufficient', 'balance', v_available);
END
$$;
--> statement-breakpoint
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
CREATE FUNCTION ledger_ensure_user(p_user text, p_initial bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_credits bigint;
BEGIN
  -- ON CONFLICT makes concurrent callers wait for the inserting one; exactly one sees FOUND.
  INSERT INTO users (id, credits) VALUES (p_user, p_initial) ON CONFLICT (id) DO NOTHING;
  IF FOUND THEN
    IF p_initial > 0 THEN
      INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after)
        VALUES (p_user, 'grant', 'initial_credits', p_initial, 0, p_initial);
    END IF;
    RETURN jsonb_build_object('status', 'ok', 'created', true, 'credits', p_initial);
  END IF;
  SELECT credits INTO v_credits FROM users WHERE id = p_user;
  RETURN jsonb_build_object('status', 'ok', 'created', false, 'credits', v_credits);
END
$$;
--> statement-breakpoint
CREATE FUNCTION ledger_grant(p_user text, p_amount bigint, p_key text, p_operation text, p_metadata jsonb)
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
-- Direct debit. Without p_allow_partial it is one guarded UPDATE (never read-check-write); with it, the row
-- is locked first so "take what is there" is computed and written under the same lock.
CREATE FUNCTION ledger_charge(p_user text, p_amount bigint, p_key text, p_operation text,
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
-- Move p_amount from the available balance into a new active hold: one guarded UPDATE, the hold row and
-- a 'hold' ledger row (delta = -amount). expires_at comes from the database clock.
-- The 'hold' entry carries the same (user_id, idempotency_key) as the hold, in the same statement: the unique
-- index on credit_logs is what makes a reused reserve key fail (I4), so credit_holds needs no second one.
CREATE FUNCTION ledger_reserve(p_user text, p_amount bigint, p_key text, p_operation text, p_run_id text,
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
-- Resolve a hold by charging p_amount (I3: status-guarded, so exactly one resolution wins; the unique
-- credit_logs_hold_resolution_unique index refuses a second resolution entry in the database as well). One
-- 'settle' row with delta = released - excessTaken and cost = credits actually charged; an excess beyond the
-- hold is taken from the available balance only as far as it goes, the rest is recorded as shortfall (never
-- overdrawn, I1).
CREATE FUNCTION ledger_settle(p_hold uuid, p_amount bigint, p_key text, p_details jsonb)
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
-- Return a whole hold to the available balance (status-guarded like settle).
CREATE FUNCTION ledger_release(p_hold uuid, p_key text, p_reason text) RETURNS jsonb LANGUAGE plpgsql AS $$
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
--> statement-breakpoint
-- Expire active holds past expires_at by the database clock. SKIP LOCKED lets several sweepers (and a
-- settle holding a hold's row lock) proceed without waiting; each hold is expired by exactly one of them.
-- Users are credited in user_id order so two sweepers never lock users in opposite orders.
CREATE FUNCTION ledger_sweep(p_limit integer) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  r credit_holds;
  v_balance bigint;
  v_out jsonb := '[]'::jsonb;
BEGIN
  FOR r IN
    WITH picked AS (
      SELECT id FROM credit_holds
      WHERE status = 'active' AND expires_at <= now()
      ORDER BY expires_at
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED
    ), expired AS (
      UPDATE credit_holds h SET status = 'expired', resolved_at = now(), resolution = 'expired'
      FROM picked WHERE h.id = picked.id AND h.status = 'active'
      RETURNING h.*
    )
    SELECT * FROM expired ORDER BY user_id, id
  LOOP
    UPDATE users SET credits = credits + r.amount, updated_at = now() WHERE id = r.user_id
      RETURNING credits INTO v_balance;
    INSERT INTO credit_logs (user_id, kind, operation, delta, cost, balance_after, run_id, hold_id, idempotency_key)
      VALUES (r.user_id, 'expire', r.operation, r.amount, 0, v_balance, r.run_id, r.id, 'expire:' || r.id::text);
    v_out := v_out || jsonb_build_array(jsonb_build_object('holdId', r.id, 'userId', r.user_id, 'amount', r.amount));
  END LOOP;
  RETURN jsonb_build_object('status', 'ok', 'expired', v_out);
END
$$;
