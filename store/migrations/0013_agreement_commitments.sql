-- Issue 11 point 6: the agreement page publishes the supplier's
-- learning-and-development commitments (apart from its other social value
-- commitments) and the agreement's own words on how quotes under it are
-- evaluated, so buyers and suppliers read the same rules. Both are JSON
-- arrays of paragraphs; writes bump catalogue_version (cv_agreements_u).
ALTER TABLE agreements ADD COLUMN learning_development TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agreements ADD COLUMN evaluation TEXT NOT NULL DEFAULT '[]';
