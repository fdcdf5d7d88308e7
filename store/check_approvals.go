package store

import (
	"context"
	"database/sql"
)

// checkApprovals verifies each quote version's approvals: the count kept on
// the version (a trigger adds one per approval) matches its approval rows,
// and an approved version has every approval it needed.
func checkApprovals(ctx context.Context, conn *sql.DB, add func(string, string, ...any)) {
	var has bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pragma_table_info('quote_versions') WHERE name = 'approvals')`).Scan(&has); err != nil || !has {
		return // a database from before approvals were counted on the version
	}
	rows, err := conn.QueryContext(ctx, `SELECT q.ref, v.version, v.status, v.approvals, v.approvals_needed,
		(SELECT count(*) FROM quote_approvals a WHERE a.quote_version_id = v.id) AS n
		FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
		WHERE v.approvals <> n OR (v.status = 'approved' AND n < v.approvals_needed)
		ORDER BY q.ref, v.version LIMIT ?`, maxFindings)
	if err != nil {
		add("approvals", "%v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var ref, status string
		var version, kept, needed, n int
		if err := rows.Scan(&ref, &version, &status, &kept, &needed, &n); err != nil {
			add("approvals", "%v", err)
			return
		}
		if kept != n {
			add("approvals", "%s v%d counts %d approvals but has %d", ref, version, kept, n)
		} else {
			add("approvals", "%s v%d is %s with %d of the %d approvals it needs", ref, version, status, n, needed)
		}
	}
}
