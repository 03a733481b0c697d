-- Production database roles for @10xstudent/database.
--
-- Run as the role that owns the schema (the one that ran the migrations), once per database, after
-- `migrate()`; it is idempotent, so running it again after a new migration re-grants what that migration
-- added. It creates the group role `credits_app` (NOLOGIN); give the API's login role its privileges with
--   CREATE ROLE api_login LOGIN PASSWORD '...' IN ROLE credits_app;
--
-- What the app may do (and nothing else):
--   credit_logs   SELECT, INSERT              the ledger is append-only (I6): no UPDATE, DELETE or TRUNCATE,
--                                             so a compromised or buggy app cannot rewrite history; the
--                                             append-only trigger stays as a second line for the owner.
--   credit_holds  SELECT, INSERT, UPDATE of (status, resolved_at, resolution): a hold only resolves.
--   users         SELECT, INSERT, UPDATE of (credits, updated_at): balances move, ids never change.
--   api_keys      SELECT, INSERT, UPDATE of (last_used_at, revoked_at): keys are revoked, never deleted.
--   drizzle.__drizzle_migrations  SELECT, so `migrate()` at start sees the schema is current and runs no DDL.
-- No DELETE anywhere, no DDL (no CREATE on the database or schemas). The ledger functions (ledger_*) are
-- SECURITY INVOKER and EXECUTE is granted to PUBLIC by default, so they run with exactly these privileges.

DO $$
BEGIN
  CREATE ROLE credits_app NOLOGIN;
EXCEPTION
  -- Roles are cluster-wide: another database (or a concurrent run) may have created it already.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM credits_app;
GRANT USAGE ON SCHEMA public TO credits_app;

GRANT SELECT, INSERT ON credit_logs TO credits_app;
GRANT SELECT, INSERT ON credit_holds TO credits_app;
GRANT UPDATE (status, resolved_at, resolution) ON credit_holds TO credits_app;
GRANT SELECT, INSERT ON users TO credits_app;
GRANT UPDATE (credits, updated_at) ON users TO credits_app;
GRANT SELECT, INSERT ON api_keys TO credits_app;
GRANT UPDATE (last_used_at, revoked_at) ON api_keys TO credits_app;

GRANT USAGE ON SCHEMA drizzle TO credits_app;
GRANT SELECT ON drizzle.__drizzle_migrations TO credits_app;
