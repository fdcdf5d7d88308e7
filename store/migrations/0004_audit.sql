-- One audit trail for every action a person or the system takes (PRODUCT.md
-- §5), replacing basket_events; and database guards for the PRODUCT.md §3
-- bounds that keep every sum inside int64.

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL, -- RFC 3339 UTC
    -- who: a user (id, and their name, role and organisation at the time),
    -- or the system (actor_id NULL; actor_name says which part: the portal
    -- itself, or the command line with the operating-system user)
    actor_id      INTEGER REFERENCES users (id),
    actor_name    TEXT NOT NULL,
    actor_role    TEXT NOT NULL DEFAULT '',
    actor_org_id  INTEGER REFERENCES organisations (id),
    -- what it was done to
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN
                      ('basket', 'quote', 'trial', 'offering', 'agreement', 'organisation', 'user')),
    subject_id    INTEGER NOT NULL,
    -- the organisation whose record it is (who may read it); NULL for the
    -- catalogue and agreements, which everyone reads
    org_id        INTEGER REFERENCES organisations (id),
    action        TEXT NOT NULL CHECK (length(action) > 0),
    from_state    TEXT NOT NULL DEFAULT '',
    to_state      TEXT NOT NULL DEFAULT '',
    comment       TEXT NOT NULL DEFAULT '',
    quote_version INTEGER CHECK (quote_version IS NULL OR quote_version >= 1),
    -- what changed, as a JSON object: {"field": {"old": …, "new": …}, …}
    details       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details) AND json_type(details) = 'object')
) STRICT;
CREATE INDEX audit_events_subject ON audit_events (subject_kind, subject_id, id);
CREATE INDEX audit_events_org ON audit_events (org_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- The basket trail moves across whole, in its order, with each actor's name,
-- role and organisation as they are now (the old table kept only the id).
INSERT INTO audit_events (at, actor_id, actor_name, actor_role, actor_org_id, subject_kind, subject_id, org_id,
                          action, from_state, to_state, comment, quote_version)
SELECT e.at, e.actor_id, coalesce(u.name, 'the portal'), coalesce(u.role, ''), u.org_id, 'basket', e.basket_id, b.org_id,
       e.action, e.from_status, e.to_status, e.comment, e.quote_version
FROM basket_events e
JOIN baskets b ON b.id = e.basket_id
LEFT JOIN users u ON u.id = e.actor_id
ORDER BY e.id;

-- Retired: every writer now uses audit_events, and a second, stale trail
-- would only mislead. Its rows are copied above in this same transaction.
DROP TABLE basket_events;

-- PRODUCT.md §3 bounds: monthly_pence ≤ 100 000 000 and one_off_pence ≤
-- 10 000 000 000 (offering_terms and basket_lines already bound terms to
-- 1–120 months and quantities to 1–100 000), and at most 200 lines a basket.
-- With them a basket's list total is at most 200 × 100 000 ×
-- (10^8 × 120 + 10^10) ≈ 4.4 × 10^17 pence, twenty times inside int64.
CREATE TRIGGER offerings_price_bounds_insert BEFORE INSERT ON offerings
WHEN new.monthly_pence > 100000000 OR new.one_off_pence > 10000000000 BEGIN
    SELECT RAISE(ABORT, 'offering price beyond the PRODUCT.md §3 bounds');
END;
CREATE TRIGGER offerings_price_bounds_update BEFORE UPDATE OF monthly_pence, one_off_pence ON offerings
WHEN new.monthly_pence > 100000000 OR new.one_off_pence > 10000000000 BEGIN
    SELECT RAISE(ABORT, 'offering price beyond the PRODUCT.md §3 bounds');
END;
CREATE TRIGGER basket_lines_at_most_200 BEFORE INSERT ON basket_lines
WHEN (SELECT count(*) FROM basket_lines WHERE basket_id = new.basket_id) >= 200 BEGIN
    SELECT RAISE(ABORT, 'a basket holds at most 200 lines');
END;
