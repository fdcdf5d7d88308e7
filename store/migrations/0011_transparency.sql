-- Transparency (issue 11, PRODUCT.md §7): every organisation has a unique
-- identifier (the register's organisation filter and the OCDS parties
-- name buyers by it), suppliers carry their Companies House number, and
-- categories their CPV code; indexes let the register page and the open
-- data read approved quotes in date or value order.

-- Organisations created before identifiers were required get one made
-- from their id; a repeated identifier keeps its first holder and the
-- others get their id appended, so the unique index can be built. An
-- administrator can then see them in the organisations list.
UPDATE organisations SET identifier = 'GB-PORTAL-' || printf('%06d', id) WHERE trim(identifier) = '';
UPDATE organisations SET identifier = identifier || '-' || id
WHERE EXISTS (SELECT 1 FROM organisations o WHERE o.identifier = organisations.identifier COLLATE NOCASE AND o.id < organisations.id);
CREATE UNIQUE INDEX organisations_identifier ON organisations (identifier COLLATE NOCASE);
CREATE TRIGGER organisations_identifier_i BEFORE INSERT ON organisations WHEN trim(new.identifier) = ''
BEGIN SELECT RAISE(ABORT, 'an organisation needs an identifier'); END;
CREATE TRIGGER organisations_identifier_u BEFORE UPDATE OF identifier ON organisations WHEN trim(new.identifier) = ''
BEGIN SELECT RAISE(ABORT, 'an organisation needs an identifier'); END;

-- A supplier's Companies House number as an org-id (GB-COH-…); '' when not
-- known, and then OCDS names the supplier without an identifier.
ALTER TABLE suppliers ADD COLUMN identifier TEXT NOT NULL DEFAULT '';
-- The demo suppliers' numbers are fictional.
UPDATE suppliers SET identifier = 'GB-COH-00000000' WHERE slug = 'virgin-media-o2-business';
UPDATE suppliers SET identifier = 'GB-COH-99999999' WHERE slug = 'fictional-fibre-co';

-- A category's Common Procurement Vocabulary code, for OCDS items.
ALTER TABLE categories ADD COLUMN cpv TEXT NOT NULL DEFAULT '';
UPDATE categories SET cpv = CASE slug
    WHEN 'mobile-voice-data' THEN '64212000-5'
    WHEN 'data-only-sim' THEN '64212000-5'
    WHEN 'iot-connectivity' THEN '64210000-1'
    WHEN 'business-broadband' THEN '72400000-4'
    WHEN 'ethernet-leased-lines' THEN '64221000-1'
    WHEN 'sd-wan' THEN '32400000-7'
    WHEN 'unified-communications' THEN '64210000-1'
    ELSE cpv END;

-- The register and the exports: approved versions by approval time or by
-- gross value, with the figures they total, read from the index alone.
CREATE INDEX quote_versions_approved_date ON quote_versions
    (decided_at, id, quote_id, net_total_pence, vat_pence, gross_total_pence, savings_pence) WHERE status = 'approved';
CREATE INDEX quote_versions_approved_value ON quote_versions
    (gross_total_pence, id, quote_id, decided_at, net_total_pence, vat_pence, savings_pence) WHERE status = 'approved';
-- One organisation's approved versions, found from its quotes.
CREATE INDEX quote_versions_approved_quote ON quote_versions
    (quote_id, decided_at, id, net_total_pence, vat_pence, gross_total_pence, savings_pence) WHERE status = 'approved';
CREATE INDEX quotes_agreement ON quotes (agreement_id);
