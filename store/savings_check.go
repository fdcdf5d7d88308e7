package store

import (
	"context"
	"database/sql"
)

// checkSavingsCategories verifies the savings dashboard's per-category sums
// (quote_version_categories, filled by a trigger when a version is issued
// and by migration 0013 for older ones): each version's categories add up
// to its own list, net and savings totals.
func checkSavingsCategories(ctx context.Context, conn *sql.DB, add func(string, string, ...any)) {
	var has bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'quote_version_categories')`).Scan(&has); err != nil || !has {
		return // a database from before the savings dashboard
	}
	rows, err := conn.QueryContext(ctx, `SELECT q.ref, v.version, coalesce(c.l, 0), coalesce(c.n, 0), coalesce(c.s, 0),
			v.list_total_pence, v.net_total_pence, v.savings_pence
		FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
		LEFT JOIN (SELECT quote_version_id AS id, sum(list_pence) AS l, sum(net_pence) AS n, sum(savings_pence) AS s
			FROM quote_version_categories GROUP BY quote_version_id) c ON c.id = v.id
		WHERE coalesce(c.l, 0) <> v.list_total_pence OR coalesce(c.n, 0) <> v.net_total_pence OR coalesce(c.s, 0) <> v.savings_pence
		ORDER BY q.ref, v.version LIMIT ?`, maxFindings)
	if err != nil {
		add("savings", "%v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		var version int
		var l, n, s, wl, wn, ws int64
		if err := rows.Scan(&ref, &version, &l, &n, &s, &wl, &wn, &ws); err != nil {
			add("savings", "%v", err)
			return
		}
		add("savings", "%s v%d: its lines by category add up to list %d, net %d, savings %d, but its totals are %d, %d, %d", ref, version, l, n, s, wl, wn, ws)
	}
}
