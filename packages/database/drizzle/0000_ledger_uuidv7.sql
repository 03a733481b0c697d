-- Custom migration (drizzle-kit generate --custom): the id default of credit_logs and credit_holds.
--
-- A migration of its own, before the generated one that creates the tables: CREATE TABLE resolves a column
-- default's function when it runs, so ledger_uuidv7() must exist first, while the ledger functions (the
-- custom migration after the tables) take the tables' row types and must come after them.
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
