package store

// Trial applications in the review queue (issue 8's extension point): each
// application waiting for a decision, before its start date, is a review
// item of kind "trial"; the queue, its counts, the reviewer's home and the
// overdue messages include it with no other change.

var trialReviews = ReviewSource{
	Kind: ReviewKindTrial, Label: "Trial application", Path: TrialReviewPath,
	Query: `SELECT 'trial' AS kind, t.id AS id, 0 AS version, 0 AS version_id, '' AS ref,
		(SELECT CASE t.kind WHEN 'sdwan' THEN 'SD-WAN trial of ' ELSE 'Proof-of-value trial of ' END || o.name
			FROM offerings o WHERE o.id = t.offering_id) AS title,
		t.org_id AS org_id, t.agreement_id AS agreement_id, 0 AS gross_pence, t.applied_at AS submitted_at,
		1 AS approvals_needed, 0 AS approvals, 0 AS approved_by_me
		FROM trials t WHERE t.status = 'submitted' AND t.start_date > :today`,
}
