-- Baskets with requirements, quotes with immutable versions, approvals, and
-- the append-only basket event trail (PRODUCT.md §4, §5).

CREATE TABLE baskets (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organisations (id),
    owner_id     INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- fixed by the first line; NULL while the basket is empty
    agreement_id INTEGER REFERENCES agreements (id),
    status       TEXT NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'submitted', 'approved', 'changes_requested', 'rejected')),
    -- bumped by every change: edits that carry a stale version are refused
    version      INTEGER NOT NULL DEFAULT 1,
    -- requirements; has_requirements = 0 until the buyer saves them
    has_requirements INTEGER NOT NULL DEFAULT 0 CHECK (has_requirements IN (0, 1)),
    need           TEXT NOT NULL DEFAULT '',
    budget_pence   INTEGER NOT NULL DEFAULT 0 CHECK (budget_pence >= 0),
    sites          INTEGER NOT NULL DEFAULT 0 CHECK (sites >= 0),
    required_by    TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD
    weight_price   INTEGER NOT NULL DEFAULT 0,
    weight_quality INTEGER NOT NULL DEFAULT 0,
    weight_social  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL, -- RFC 3339 UTC
    updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX baskets_org ON baskets (org_id, updated_at);

CREATE TABLE basket_lines (
    id          INTEGER PRIMARY KEY,
    basket_id   INTEGER NOT NULL REFERENCES baskets (id),
    offering_id INTEGER NOT NULL REFERENCES offerings (id),
    quantity    INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
    term_months INTEGER NOT NULL CHECK (term_months BETWEEN 1 AND 120),
    -- the same offering on the same term is one line
    UNIQUE (basket_id, offering_id, term_months)
) STRICT;

-- One quote per basket, created by its first submission.
CREATE TABLE quotes (
    id           INTEGER PRIMARY KEY,
    ref          TEXT NOT NULL UNIQUE CHECK (ref GLOB 'Q-[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'),
    basket_id    INTEGER NOT NULL UNIQUE REFERENCES baskets (id),
    org_id       INTEGER NOT NULL REFERENCES organisations (id),
    agreement_id INTEGER NOT NULL REFERENCES agreements (id),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX quotes_org_agreement ON quotes (org_id, agreement_id);

-- Each submission: an immutable snapshot. Only status and decided_at change.
CREATE TABLE quote_versions (
    id          INTEGER PRIMARY KEY,
    quote_id    INTEGER NOT NULL REFERENCES quotes (id),
    version     INTEGER NOT NULL CHECK (version >= 1),
    status      TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'changes_requested',
                    'rejected', 'withdrawn', 'superseded', 'expired')),
    issued_by   INTEGER NOT NULL REFERENCES users (id),
    issued_at   TEXT NOT NULL, -- RFC 3339 UTC
    valid_until TEXT NOT NULL, -- YYYY-MM-DD, UK date
    inlife_bp   INTEGER NOT NULL CHECK (inlife_bp BETWEEN 0 AND 10000),
    list_total_pence  INTEGER NOT NULL CHECK (list_total_pence >= 0),
    net_total_pence   INTEGER NOT NULL CHECK (net_total_pence >= 0),
    vat_pence         INTEGER NOT NULL CHECK (vat_pence >= 0),
    gross_total_pence INTEGER NOT NULL CHECK (gross_total_pence >= 0),
    savings_pence     INTEGER NOT NULL CHECK (savings_pence >= 0),
    approvals_needed  INTEGER NOT NULL CHECK (approvals_needed IN (1, 2)),
    snapshot    TEXT NOT NULL, -- JSON: lines with figures, tier, requirements, agreement terms
    decided_at  TEXT,
    UNIQUE (quote_id, version)
) STRICT;
CREATE INDEX quote_versions_status ON quote_versions (status, valid_until);

CREATE TRIGGER quote_versions_immutable BEFORE UPDATE OF quote_id, version, issued_by, issued_at, valid_until,
    inlife_bp, list_total_pence, net_total_pence, vat_pence, gross_total_pence, savings_pence, approvals_needed, snapshot
ON quote_versions BEGIN
    SELECT RAISE(ABORT, 'quote versions are immutable');
END;
CREATE TRIGGER quote_versions_no_delete BEFORE DELETE ON quote_versions BEGIN
    SELECT RAISE(ABORT, 'quote versions cannot be deleted');
END;

CREATE TABLE quote_approvals (
    id               INTEGER PRIMARY KEY,
    quote_version_id INTEGER NOT NULL REFERENCES quote_versions (id),
    reviewer_id      INTEGER NOT NULL REFERENCES users (id),
    at               TEXT NOT NULL, -- RFC 3339 UTC
    UNIQUE (quote_version_id, reviewer_id)
) STRICT;

CREATE TRIGGER quote_approvals_no_update BEFORE UPDATE ON quote_approvals BEGIN
    SELECT RAISE(ABORT, 'approvals are append-only');
END;
CREATE TRIGGER quote_approvals_no_delete BEFORE DELETE ON quote_approvals BEGIN
    SELECT RAISE(ABORT, 'approvals are append-only');
END;

-- The audit trail: one row per basket state change (and its creation).
CREATE TABLE basket_events (
    id            INTEGER PRIMARY KEY,
    basket_id     INTEGER NOT NULL REFERENCES baskets (id),
    actor_id      INTEGER REFERENCES users (id), -- NULL: the portal itself (expiry)
    at            TEXT NOT NULL,                 -- RFC 3339 UTC
    action        TEXT NOT NULL,
    from_status   TEXT NOT NULL DEFAULT '',
    to_status     TEXT NOT NULL,
    quote_version INTEGER,
    comment       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX basket_events_basket ON basket_events (basket_id, id);

CREATE TRIGGER basket_events_no_update BEFORE UPDATE ON basket_events BEGIN
    SELECT RAISE(ABORT, 'basket events are append-only');
END;
CREATE TRIGGER basket_events_no_delete BEFORE DELETE ON basket_events BEGIN
    SELECT RAISE(ABORT, 'basket events are append-only');
END;
