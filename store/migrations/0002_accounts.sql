-- Accounts: organisations, users, sign-in failures (for the temporary lock),
-- server-side sessions and the keys that sign session cookies.

CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    type       TEXT NOT NULL CHECK (type IN ('county_council', 'district_council',
                   'unitary_authority', 'nhs_body', 'central_government', 'ccs',
                   'supplier', 'other')),
    -- e.g. a GB-PPON or local-authority code such as GB-LAC-E10000001
    identifier TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX organisations_name ON organisations (name COLLATE NOCASE);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- stored lower-cased and trimmed, so UNIQUE is case-insensitive
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(trim(email)) AND email <> ''),
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    org_id        INTEGER NOT NULL REFERENCES organisations (id),
    role          TEXT NOT NULL CHECK (role IN ('buyer', 'reviewer', 'supplier', 'admin')),
    supplier_id   INTEGER REFERENCES suppliers (id),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    locked_until  INTEGER NOT NULL DEFAULT 0, -- unix seconds
    created_at    TEXT NOT NULL,
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
) STRICT;
CREATE INDEX users_org ON users (org_id);

-- One row per failed sign-in, kept for the 15-minute window.
CREATE TABLE login_failures (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL -- unix seconds
) STRICT;
CREATE INDEX login_failures_user ON login_failures (user_id, at);

-- Server-side sessions. The cookie holds a signed random id; the table holds
-- only its SHA-256, so a copy of the database cannot be replayed as cookies.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL, -- unix seconds
    seen_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL  -- min(seen + idle, created + absolute)
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- HMAC keys for session cookies: the newest signs, the one before it still
-- verifies (portal keys rotate).
CREATE TABLE session_keys (
    id         INTEGER PRIMARY KEY,
    hash_key   BLOB NOT NULL CHECK (length(hash_key) >= 32),
    created_at TEXT NOT NULL
) STRICT;
