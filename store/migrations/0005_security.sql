-- Issue 14: the security log, device cookies for sign-in, where each
-- session signs in from, and the server's own secrets.

-- Secrets the server keeps besides the rotating session keys. 'log_hmac'
-- names accounts in logs and in the security log by an HMAC of the email
-- address entered, so a failed sign-in for an address that has no account
-- can be found without the log holding the address (a plain hash of an
-- email address can be reversed by guessing).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL CHECK (length(value) >= 32)
) STRICT, WITHOUT ROWID;

-- Browsers that have signed in to an account (OWASP's device cookies): the
-- cookie holds a random token, this table its SHA-256. A browser with a
-- live row is not subject to the account's lock, only to its own.
CREATE TABLE devices (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,           -- unix seconds
    locked_until INTEGER NOT NULL DEFAULT 0  -- unix seconds
) STRICT, WITHOUT ROWID;
CREATE INDEX devices_user ON devices (user_id, created_at);

-- A failure through a device cookie counts against that device only;
-- '' counts against the account for every browser it does not know.
ALTER TABLE login_failures ADD COLUMN device TEXT NOT NULL DEFAULT '';
DROP INDEX login_failures_user;
CREATE INDEX login_failures_user ON login_failures (user_id, device, at);

-- Where and on what each session was last seen (GET /account/sessions).
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';

-- The security log: sign-ins, failures, locks, throttles, sign-outs. Admins
-- read it (GET /admin/security); rows older than a year are deleted.
CREATE TABLE security_events (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,                -- unix seconds
    kind    TEXT NOT NULL CHECK (kind <> ''),
    user_id INTEGER REFERENCES users (id),   -- NULL: no account (unknown email, a throttled address)
    account TEXT NOT NULL DEFAULT '',        -- the email entered, as its HMAC (secrets.log_hmac)
    ip      TEXT NOT NULL DEFAULT '',
    device  TEXT NOT NULL DEFAULT '',        -- browser and system, from the User-Agent
    detail  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX security_events_at ON security_events (at);
CREATE INDEX security_events_user ON security_events (user_id, at);
CREATE INDEX security_events_account ON security_events (account, at);
CREATE INDEX security_events_ip ON security_events (ip, at);
CREATE INDEX security_events_kind ON security_events (kind, at);

CREATE TRIGGER security_events_no_update BEFORE UPDATE ON security_events BEGIN
    SELECT RAISE(ABORT, 'the security log is append-only');
END;
