-- Review (issue 8): messages for people — the outbox that /messages shows
-- and that the portal also sends by email when SMTP is configured — and the
-- once-only keys of notices the sweeper writes (reminders, overdue reviews).

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL, -- RFC 3339 UTC
    kind         TEXT NOT NULL CHECK (length(kind) > 0),
    title        TEXT NOT NULL CHECK (length(title) > 0),
    body         TEXT NOT NULL,
    -- the page it is about, on this site; links and emails make it absolute
    -- with the configured public URL, never a request's Host header
    path         TEXT NOT NULL CHECK (substr(path, 1, 1) = '/' AND substr(path, 2, 1) <> '/'),
    subject_kind TEXT NOT NULL DEFAULT '',
    subject_id   INTEGER NOT NULL DEFAULT 0,
    read_at      TEXT,          -- NULL while unread
    -- Email delivery. pending: to send (at or after mail_next_at, wall
    -- clock; '' = at once); sent; failed: refused for good by the mail
    -- server; expired: waited longer than the configured maximum age;
    -- skipped: never to be emailed (demo history).
    mail_state    TEXT NOT NULL DEFAULT 'pending'
                  CHECK (mail_state IN ('pending', 'sent', 'failed', 'expired', 'skipped')),
    mail_attempts INTEGER NOT NULL DEFAULT 0,
    mail_next_at  TEXT NOT NULL DEFAULT '',
    mail_sent_at  TEXT,
    mail_error    TEXT NOT NULL DEFAULT '',
    -- with the id, the email's Message-ID: the same on every attempt, so a
    -- receiving system can drop the duplicate a crash between sending and
    -- recording it can cause
    mail_token    TEXT NOT NULL DEFAULT (lower(hex(randomblob(12))))
) STRICT;
CREATE INDEX messages_inbox ON messages (user_id, id);
CREATE INDEX messages_unread ON messages (user_id, id) WHERE read_at IS NULL;
CREATE INDEX messages_outbox ON messages (mail_next_at, id) WHERE mail_state = 'pending';

-- What a message says, to whom and when, never changes; only reading it and
-- delivering it do.
CREATE TRIGGER messages_content_immutable BEFORE UPDATE OF user_id, created_at, kind, title, body, path,
    subject_kind, subject_id, mail_token ON messages BEGIN
    SELECT RAISE(ABORT, 'a message''s content is immutable');
END;

-- A notice with a key (say "quote-expiry-soon:42") is written once, however
-- often the sweeper runs.
CREATE TABLE message_keys (
    key        TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- How many approvals a version has, kept by the database itself as
-- approvals are added (they are append-only, so the count cannot drift), so
-- the review queue need not count them for every version it lists.
ALTER TABLE quote_versions ADD COLUMN approvals INTEGER NOT NULL DEFAULT 0 CHECK (approvals >= 0);
UPDATE quote_versions SET approvals = (SELECT count(*) FROM quote_approvals a WHERE a.quote_version_id = quote_versions.id);
CREATE TRIGGER quote_approvals_count AFTER INSERT ON quote_approvals BEGIN
    UPDATE quote_versions SET approvals = approvals + 1 WHERE id = new.quote_version_id;
END;

-- The review queue reads every quote version awaiting a decision: this index
-- holds all it needs of them (quote_versions rows carry the whole snapshot,
-- so reading the table itself for 10,000 versions is slow). It starts with
-- the columns of quote_versions_status, which it replaces.
CREATE INDEX quote_versions_review ON quote_versions (status, valid_until, issued_at, gross_total_pence, approvals_needed, approvals, version, quote_id);
DROP INDEX quote_versions_status;
