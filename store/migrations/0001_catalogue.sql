-- Catalogue: suppliers, categories, agreements and their offerings, with an
-- external-content FTS5 index kept in sync by triggers and a catalogue version
-- that every catalogue write bumps (the cache key for catalogue pages).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
INSERT INTO meta (key, value) VALUES ('catalogue_version', 1), ('demo', 0);

CREATE TABLE suppliers (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE categories (
    id       INTEGER PRIMARY KEY,
    slug     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE agreements (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    ccs_ref     TEXT NOT NULL,
    title       TEXT NOT NULL,
    supplier_id INTEGER NOT NULL REFERENCES suppliers (id),
    summary     TEXT NOT NULL DEFAULT '',
    starts_on   TEXT NOT NULL, -- YYYY-MM-DD
    ends_on     TEXT NOT NULL,
    -- trial terms (PRODUCT.md §6), per agreement
    pov_min_sites   INTEGER NOT NULL DEFAULT 1,
    pov_max_sites   INTEGER NOT NULL DEFAULT 20,
    pov_min_days    INTEGER NOT NULL DEFAULT 14,
    pov_max_days    INTEGER NOT NULL DEFAULT 90,
    sdwan_min_sites INTEGER NOT NULL DEFAULT 1,
    sdwan_max_sites INTEGER NOT NULL DEFAULT 5,
    sdwan_min_days  INTEGER NOT NULL DEFAULT 30,
    sdwan_max_days  INTEGER NOT NULL DEFAULT 60,
    trial_terms     TEXT NOT NULL DEFAULT '',
    social_value    TEXT NOT NULL DEFAULT '[]' -- JSON array of commitments
) STRICT;

-- In-life tiers: the discount for an organisation whose approved net value
-- under the agreement is at least from_pence.
CREATE TABLE agreement_tiers (
    agreement_id INTEGER NOT NULL REFERENCES agreements (id),
    from_pence   INTEGER NOT NULL CHECK (from_pence >= 0),
    bp           INTEGER NOT NULL CHECK (bp BETWEEN 0 AND 10000),
    PRIMARY KEY (agreement_id, from_pence)
) STRICT;

CREATE TABLE offerings (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    category_id     INTEGER NOT NULL REFERENCES categories (id),
    supplier_id     INTEGER NOT NULL REFERENCES suppliers (id),
    agreement_id    INTEGER NOT NULL REFERENCES agreements (id),
    unit            TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    monthly_pence   INTEGER NOT NULL CHECK (monthly_pence >= 0),
    one_off_pence   INTEGER NOT NULL CHECK (one_off_pence >= 0),
    mou_discount_bp INTEGER NOT NULL CHECK (mou_discount_bp BETWEEN 0 AND 10000),
    attributes      TEXT NOT NULL DEFAULT '[]', -- JSON [[key, value], ...] in display order
    social_value    TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    pov_trial       INTEGER NOT NULL DEFAULT 0 CHECK (pov_trial IN (0, 1)),
    sdwan_trial     INTEGER NOT NULL DEFAULT 0 CHECK (sdwan_trial IN (0, 1)),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    -- The MoU price per unit per month (PRODUCT.md §3 with q=1, t=1, no
    -- one-off, round half up): what max_monthly filters and price sorts use.
    mou_monthly_pence INTEGER GENERATED ALWAYS AS
        (monthly_pence - (monthly_pence * mou_discount_bp + 5000) / 10000) STORED
) STRICT;
CREATE INDEX offerings_active_price ON offerings (active, mou_monthly_pence);
CREATE INDEX offerings_active_name ON offerings (active, name);
CREATE INDEX offerings_category ON offerings (category_id);
CREATE INDEX offerings_supplier ON offerings (supplier_id);
CREATE INDEX offerings_agreement ON offerings (agreement_id);

CREATE TABLE offering_terms (
    offering_id INTEGER NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    months      INTEGER NOT NULL CHECK (months BETWEEN 1 AND 120),
    PRIMARY KEY (offering_id, months)
) STRICT, WITHOUT ROWID;
CREATE INDEX offering_terms_months ON offering_terms (months, offering_id);

-- Price history: one row per price an offering has had.
CREATE TABLE offering_prices (
    id              INTEGER PRIMARY KEY,
    offering_id     INTEGER NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    changed_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    monthly_pence   INTEGER NOT NULL,
    one_off_pence   INTEGER NOT NULL,
    mou_discount_bp INTEGER NOT NULL
) STRICT;
CREATE INDEX offering_prices_offering ON offering_prices (offering_id, id);

CREATE TRIGGER offerings_price_insert AFTER INSERT ON offerings BEGIN
    INSERT INTO offering_prices (offering_id, monthly_pence, one_off_pence, mou_discount_bp)
    VALUES (new.id, new.monthly_pence, new.one_off_pence, new.mou_discount_bp);
END;
CREATE TRIGGER offerings_price_update AFTER UPDATE OF monthly_pence, one_off_pence, mou_discount_bp ON offerings
WHEN old.monthly_pence <> new.monthly_pence OR old.one_off_pence <> new.one_off_pence OR old.mou_discount_bp <> new.mou_discount_bp
BEGIN
    INSERT INTO offering_prices (offering_id, monthly_pence, one_off_pence, mou_discount_bp)
    VALUES (new.id, new.monthly_pence, new.one_off_pence, new.mou_discount_bp);
END;

-- Search text for each offering, including its supplier and category names.
CREATE VIEW offering_search AS
SELECT o.id AS id, o.name AS name, o.summary AS summary, o.description AS description,
       s.name AS supplier, c.name AS category
FROM offerings o
JOIN suppliers s ON s.id = o.supplier_id
JOIN categories c ON c.id = o.category_id;

CREATE VIRTUAL TABLE offerings_fts USING fts5 (
    name, summary, description, supplier, category,
    content = 'offering_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

-- Every token instance in the index (term, doc, col, offset): search ranks
-- very common words from it (store/search.go) instead of calling bm25() on
-- every matching row.
CREATE VIRTUAL TABLE offerings_fts_instance USING fts5vocab (offerings_fts, instance);
-- Each term's row and instance counts: the catalogue index finds the few
-- most frequent terms from it and precomputes their postings.
CREATE VIRTUAL TABLE offerings_fts_row USING fts5vocab (offerings_fts, row);

CREATE TRIGGER offerings_fts_insert AFTER INSERT ON offerings BEGIN
    INSERT INTO offerings_fts (rowid, name, summary, description, supplier, category)
    SELECT id, name, summary, description, supplier, category FROM offering_search WHERE id = new.id;
END;
CREATE TRIGGER offerings_fts_delete AFTER DELETE ON offerings BEGIN
    INSERT INTO offerings_fts (offerings_fts, rowid, name, summary, description, supplier, category)
    VALUES ('delete', old.id, old.name, old.summary, old.description,
            (SELECT name FROM suppliers WHERE id = old.supplier_id),
            (SELECT name FROM categories WHERE id = old.category_id));
END;
CREATE TRIGGER offerings_fts_update AFTER UPDATE OF name, summary, description, supplier_id, category_id ON offerings BEGIN
    INSERT INTO offerings_fts (offerings_fts, rowid, name, summary, description, supplier, category)
    VALUES ('delete', old.id, old.name, old.summary, old.description,
            (SELECT name FROM suppliers WHERE id = old.supplier_id),
            (SELECT name FROM categories WHERE id = old.category_id));
    INSERT INTO offerings_fts (rowid, name, summary, description, supplier, category)
    SELECT id, name, summary, description, supplier, category FROM offering_search WHERE id = new.id;
END;
-- Renaming a supplier or category re-indexes its offerings.
CREATE TRIGGER suppliers_fts_rename BEFORE UPDATE OF name ON suppliers BEGIN
    INSERT INTO offerings_fts (offerings_fts, rowid, name, summary, description, supplier, category)
    SELECT 'delete', id, name, summary, description, supplier, category FROM offering_search WHERE supplier = old.name;
END;
CREATE TRIGGER suppliers_fts_renamed AFTER UPDATE OF name ON suppliers BEGIN
    INSERT INTO offerings_fts (rowid, name, summary, description, supplier, category)
    SELECT id, name, summary, description, supplier, category FROM offering_search WHERE supplier = new.name;
END;
CREATE TRIGGER categories_fts_rename BEFORE UPDATE OF name ON categories BEGIN
    INSERT INTO offerings_fts (offerings_fts, rowid, name, summary, description, supplier, category)
    SELECT 'delete', id, name, summary, description, supplier, category FROM offering_search WHERE category = old.name;
END;
CREATE TRIGGER categories_fts_renamed AFTER UPDATE OF name ON categories BEGIN
    INSERT INTO offerings_fts (rowid, name, summary, description, supplier, category)
    SELECT id, name, summary, description, supplier, category FROM offering_search WHERE category = new.name;
END;

-- Every catalogue write bumps the catalogue version.
CREATE TRIGGER cv_offerings_i AFTER INSERT ON offerings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_offerings_u AFTER UPDATE ON offerings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_offerings_d AFTER DELETE ON offerings BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_terms_i AFTER INSERT ON offering_terms BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_terms_u AFTER UPDATE ON offering_terms BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_terms_d AFTER DELETE ON offering_terms BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_suppliers_i AFTER INSERT ON suppliers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_suppliers_u AFTER UPDATE ON suppliers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_categories_i AFTER INSERT ON categories BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_categories_u AFTER UPDATE ON categories BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_agreements_i AFTER INSERT ON agreements BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_agreements_u AFTER UPDATE ON agreements BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
