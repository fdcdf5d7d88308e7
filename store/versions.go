package store

import (
	"context"
	"database/sql"
	"strings"
	"sync/atomic"
	"time"
)

// DataSet is a kind of data that public pages are built from and whose
// changes the store counts: a row in the meta table that triggers bump on
// every write to that data. Caches of pages built from it (the response
// cache, ETags, the search index) compare counters instead of data.
//
// To add one: add a constant before numDataSets and its meta key to
// dataSetKeys, and, in a migration, insert the meta row with value 1 and
// the triggers that bump it (see migrations/0006_data_versions.sql). Pages
// then name it among their dependencies (handlers/routes.go).
type DataSet int

// The data sets.
const (
	// DataCatalogue is suppliers, categories, agreements with their tiers
	// and terms, and offerings with their terms and prices.
	DataCatalogue DataSet = iota
	// DataApprovals is which quote versions are approved (what the
	// transparency register and savings publish) and the buyer
	// organisations' names and identifiers.
	DataApprovals
	// DataTrials is trial applications, their states and outcomes, and
	// the baskets started from them (the agreement page's trial numbers).
	DataTrials
	numDataSets
)

var dataSetKeys = [numDataSets]string{
	DataCatalogue: "catalogue_version",
	DataApprovals: "approvals_version",
	DataTrials:    "trials_version",
}

// String is the data set's name, as in its meta key.
func (d DataSet) String() string { return strings.TrimSuffix(dataSetKeys[d], "_version") }

// Versions holds every data set's counter at one moment. Counters only
// grow, so equal counters mean unchanged data.
type Versions [numDataSets]int64

// versionsQuery reads every counter in one row.
var versionsQuery = func() string {
	cols := make([]string, numDataSets)
	for i, k := range dataSetKeys {
		cols[i] = "(SELECT value FROM meta WHERE key = '" + k + "')"
	}
	return "SELECT " + strings.Join(cols, ", ")
}()

// versionsState is the process's view of the counters. It is updated at
// once by this process's own writes (DB.write) and every few seconds from
// the database, for other processes' writes (WatchVersions), so that asking
// for the versions never costs a query.
type versionsState struct {
	cur atomic.Pointer[Versions]
}

// Versions returns the data versions as this process knows them: its own
// writes are included as soon as they commit, other processes' writes (a
// command-line import) after the next RefreshVersions. Reading them costs
// no query, so a cached page can be checked on every request.
func (db *DB) Versions() Versions {
	if v := db.versions.cur.Load(); v != nil {
		return *v
	}
	return Versions{}
}

// publishVersions raises the known counters to v's; they never go back, so
// a slow refresh cannot undo a newer write's.
func (db *DB) publishVersions(v Versions) {
	for {
		old := db.versions.cur.Load()
		next := v
		if old != nil {
			for i := range next {
				next[i] = max(next[i], old[i])
			}
			if next == *old {
				return
			}
		}
		if db.versions.cur.CompareAndSwap(old, &next) {
			if old == nil || next[DataCatalogue] > old[DataCatalogue] {
				db.catalogueChanged() // the search index catches up in the background
			}
			return
		}
	}
}

func scanVersions(row *sql.Row) (Versions, error) {
	var v Versions
	var ns [numDataSets]sql.NullInt64
	dest := make([]any, numDataSets)
	for i := range ns {
		dest[i] = &ns[i]
	}
	if err := row.Scan(dest...); err != nil {
		return v, err
	}
	for i, n := range ns {
		v[i] = n.Int64
	}
	return v, nil
}

// RefreshVersions reads the data versions from the database, taking in
// other processes' writes.
func (db *DB) RefreshVersions(ctx context.Context) error {
	v, err := scanVersions(db.r.QueryRowContext(ctx, versionsQuery))
	if err != nil {
		return err
	}
	db.publishVersions(v)
	return nil
}

// WatchVersions refreshes the data versions every interval until ctx ends,
// so that writes by other processes (`portal import`, `portal seed`) reach
// the caches within that time. A failed refresh is retried at the next tick.
func (db *DB) WatchVersions(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			db.RefreshVersions(ctx)
		}
	}
}
