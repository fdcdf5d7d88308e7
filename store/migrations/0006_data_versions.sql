-- Data versions: a counter in meta per kind of data that public pages are
-- built from, bumped by triggers on every write to it, so that the response
-- cache (handlers/pagecache.go) and HTTP ETags know when a page may have
-- changed. 0001 made catalogue_version; this adds approvals_version and closes
-- the catalogue's gaps. See store/versions.go for how to add another.

-- Approvals: a quote version becoming approved, or ceasing to be, changes
-- what the transparency register, open data and savings pages publish.
INSERT INTO meta (key, value) VALUES ('approvals_version', 1);
CREATE TRIGGER av_quote_versions_i AFTER INSERT ON quote_versions WHEN new.status = 'approved'
BEGIN UPDATE meta SET value = value + 1 WHERE key = 'approvals_version'; END;
CREATE TRIGGER av_quote_versions_u AFTER UPDATE OF status ON quote_versions
WHEN (old.status = 'approved') <> (new.status = 'approved')
BEGIN UPDATE meta SET value = value + 1 WHERE key = 'approvals_version'; END;
-- Published awards name the buyer organisation and its identifier.
CREATE TRIGGER av_organisations_u AFTER UPDATE OF name, identifier ON organisations
BEGIN UPDATE meta SET value = value + 1 WHERE key = 'approvals_version'; END;

-- Catalogue: the agreement page shows the in-life tiers, and deletes of
-- suppliers, categories and agreements were not counted.
CREATE TRIGGER cv_tiers_i AFTER INSERT ON agreement_tiers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_tiers_u AFTER UPDATE ON agreement_tiers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_tiers_d AFTER DELETE ON agreement_tiers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_suppliers_d AFTER DELETE ON suppliers BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_categories_d AFTER DELETE ON categories BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;
CREATE TRIGGER cv_agreements_d AFTER DELETE ON agreements BEGIN UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'; END;

-- The agreement page's discount schedule: an agreement's active offerings by
-- category then name, and their count and discount range per category, all
-- read from this index alone (no table rows, no sort).
CREATE INDEX offerings_agreement_schedule
    ON offerings (agreement_id, active, category_id, name, slug, monthly_pence, mou_discount_bp);
