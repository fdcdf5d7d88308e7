-- Suppliers keep their own catalogue (issue 10): prices that take effect on
-- a later date, the public log of price, discount and status changes, and
-- price lists that were checked (a dry run) and wait to be applied.

-- At most one pending price per offering: a newer one replaces it. The
-- sweeper moves it into offerings on its date (store/catalogue_edit.go).
CREATE TABLE offering_pending_prices (
    offering_id     INTEGER PRIMARY KEY REFERENCES offerings (id) ON DELETE CASCADE,
    effective_on    TEXT NOT NULL, -- YYYY-MM-DD, a UK date
    monthly_pence   INTEGER NOT NULL CHECK (monthly_pence BETWEEN 0 AND 100000000),
    one_off_pence   INTEGER NOT NULL CHECK (one_off_pence BETWEEN 0 AND 10000000000),
    mou_discount_bp INTEGER NOT NULL CHECK (mou_discount_bp BETWEEN 0 AND 10000),
    scheduled_at    TEXT NOT NULL -- RFC 3339 UTC
) STRICT;
CREATE INDEX offering_pending_prices_due ON offering_pending_prices (effective_on);

-- The public change log: one row per price, discount or status change, with
-- the date it takes effect and when it was made. A scheduled change that a
-- newer one replaced before its date is kept, marked replaced.
CREATE TABLE catalogue_changes (
    id           INTEGER PRIMARY KEY,
    offering_id  INTEGER NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    agreement_id INTEGER NOT NULL REFERENCES agreements (id),
    made_at      TEXT NOT NULL, -- RFC 3339 UTC
    effective_on TEXT NOT NULL, -- YYYY-MM-DD
    field        TEXT NOT NULL CHECK (field IN ('monthly_pence', 'one_off_pence', 'mou_discount_bp', 'status')),
    old_value    TEXT NOT NULL,
    new_value    TEXT NOT NULL,
    actor_id     INTEGER REFERENCES users (id),
    actor_name   TEXT NOT NULL,
    replaced     INTEGER NOT NULL DEFAULT 0 CHECK (replaced IN (0, 1))
) STRICT;
CREATE INDEX catalogue_changes_agreement ON catalogue_changes (agreement_id, id);
CREATE INDEX catalogue_changes_offering ON catalogue_changes (offering_id, id);

-- A checked price list: the file as uploaded, the catalogue version it was
-- checked against and a digest of the changes it would make. Kept 24 hours.
CREATE TABLE price_list_uploads (
    id                TEXT PRIMARY KEY, -- random, unguessable
    supplier_id       INTEGER NOT NULL REFERENCES suppliers (id),
    user_id           INTEGER NOT NULL REFERENCES users (id),
    filename          TEXT NOT NULL,
    body              BLOB NOT NULL,
    checked_at        TEXT NOT NULL, -- RFC 3339 UTC
    catalogue_version INTEGER NOT NULL,
    digest            TEXT NOT NULL,
    applied_at        TEXT
) STRICT;
CREATE INDEX price_list_uploads_checked ON price_list_uploads (checked_at);

-- Scheduled prices and the change log are shown on catalogue pages.
CREATE TRIGGER cv_pending_i AFTER INSERT ON offering_pending_prices BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_pending_u AFTER UPDATE ON offering_pending_prices BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_pending_d AFTER DELETE ON offering_pending_prices BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_changes_i AFTER INSERT ON catalogue_changes BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_changes_u AFTER UPDATE ON catalogue_changes BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
