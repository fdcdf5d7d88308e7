-- Issue 11 point 6: the agreement page publishes the supplier's
-- learning-and-development commitments (apart from its other social value
-- commitments) and the agreement's own words on how quotes under it are
-- evaluated, so buyers and suppliers read the same rules. Both are JSON
-- arrays of paragraphs; writes bump catalogue_version (cv_agreements_u).
ALTER TABLE agreements ADD COLUMN learning_development TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agreements ADD COLUMN evaluation TEXT NOT NULL DEFAULT '[]';

-- The savings dashboard (issue 11 point 5) sums every approved quote
-- version. quote_versions rows carry the whole snapshot before decided_at,
-- so reading them walks overflow pages: this partial index holds all the
-- dashboard reads of an approved version.
CREATE INDEX quote_versions_approved_savings ON quote_versions (decided_at, quote_id, list_total_pence, net_total_pence, savings_pence)
    WHERE status = 'approved';

-- Savings by category come from each version's snapshot lines. A version is
-- immutable, so its lines' figures by category are summed once, when it is
-- issued (and here for those issued before), instead of parsing every
-- approved snapshot for each render of the dashboard.
CREATE TABLE quote_version_categories (
    quote_version_id INTEGER NOT NULL REFERENCES quote_versions (id),
    category         TEXT NOT NULL, -- the category's name in the snapshot
    list_pence       INTEGER NOT NULL,
    net_pence        INTEGER NOT NULL,
    savings_pence    INTEGER NOT NULL, -- Σ (mou + inlife) of the lines
    PRIMARY KEY (quote_version_id, category)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER quote_version_categories_i AFTER INSERT ON quote_versions BEGIN
    INSERT INTO quote_version_categories (quote_version_id, category, list_pence, net_pence, savings_pence)
    SELECT new.id, l.value ->> '$.category', sum(l.value ->> '$.price.ListPence'), sum(l.value ->> '$.price.NetPence'),
        sum((l.value ->> '$.price.MouPence') + (l.value ->> '$.price.InlifePence'))
    FROM json_each(new.snapshot, '$.lines') l GROUP BY 2;
END;

INSERT INTO quote_version_categories (quote_version_id, category, list_pence, net_pence, savings_pence)
SELECT v.id, l.value ->> '$.category', sum(l.value ->> '$.price.ListPence'), sum(l.value ->> '$.price.NetPence'),
    sum((l.value ->> '$.price.MouPence') + (l.value ->> '$.price.InlifePence'))
FROM quote_versions v, json_each(v.snapshot, '$.lines') l GROUP BY v.id, 2;
