package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	"portal/store"
)

// Search while the catalogue is edited (issue 10, "Catalogue writes must not
// stall search"): a supplier edits an offering every editEvery, and every
// edit changes the catalogue version, so the search index is rebuilt in
// the background, again and again, and every index swap drops the cached
// results. Searches meanwhile must stay fast: p95 < targetEditSearchP95.
const (
	editEvery           = 100 * time.Millisecond
	targetEditSearchP95 = 50 * time.Millisecond
)

type editResult struct {
	ran           bool
	offerings     int
	duration      time.Duration
	edits         int
	searches      int
	stale         int // answered from the previous index while the next was built
	p50, p95, max time.Duration
	// the same searches just before, without edits, side by side on this shared machine
	quietSearches                int
	quietP50, quietP95, quiet100 time.Duration
	rebuilds                     int64
	rebuildTime                  time.Duration // their total
	firstBuild                   time.Duration
	searchesPerRebuild           float64
}

func (r editResult) ok() bool { return !r.ran || r.p95 < targetEditSearchP95 }

// searchWhileEditing times uncached searches (the single-word cases with a
// target, round robin; caches cleared before each, as visitors' varied
// queries find them) while another connection edits a random offering's
// price, or its summary (which FTS5 reindexes), every editEvery, as a
// supplier or `portal import` would. After each edit the store reads the
// data versions (what WatchVersions does every second for another process,
// and what a write by the server itself does at once), which wakes the
// index rebuild.
func searchWhileEditing(ctx context.Context, cfg config, dbPath string) (editResult, error) {
	res := editResult{ran: true, offerings: cfg.offerings, duration: cfg.editDuration}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return res, err
	}
	defer db.Close()
	start := time.Now()
	if err := db.WaitSearchIndex(ctx); err != nil {
		return res, err
	}
	res.firstBuild = time.Since(start)
	writer, err := sql.Open("sqlite", "file:"+(&url.URL{Path: dbPath}).EscapedPath()+"?_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return res, err
	}
	defer writer.Close()
	writer.SetMaxOpenConns(1)
	var maxID int64
	if err := writer.QueryRowContext(ctx, "SELECT max(id) FROM offerings").Scan(&maxID); err != nil {
		return res, err
	}
	cats, err := db.Categories(ctx)
	if err != nil {
		return res, err
	}
	var cases []searchCase
	for _, c := range searchCases(cats) {
		if c.target == targetEditSearchP95 {
			cases = append(cases, c)
		}
	}
	// timed runs the cases in turn, each uncached, until ctx ends.
	timed := func(ctx context.Context) (lat []time.Duration, stale int, err error) {
		for i := 0; ctx.Err() == nil; i++ {
			c := cases[i%len(cases)]
			db.ResetSearchCache()
			s := time.Now()
			r, err := db.SearchOfferings(ctx, c.p)
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				return nil, 0, fmt.Errorf("%s: %w", c.label, err)
			}
			lat = append(lat, time.Since(s))
			if r.Stale {
				stale++
			}
		}
		return lat, stale, nil
	}
	quietCtx, cancelQuiet := context.WithTimeout(ctx, cfg.editDuration/2)
	quiet, _, err := timed(quietCtx)
	cancelQuiet()
	if err != nil {
		return res, err
	}
	res.quietSearches = len(quiet)
	res.quietP50, res.quietP95, res.quiet100 = percentile(quiet, 0.5), percentile(quiet, 0.95), percentile(quiet, 1)
	before := db.Stats()

	ctx, cancel := context.WithTimeout(ctx, cfg.editDuration)
	defer cancel()
	edited := make(chan error, 1)
	go func() {
		r := rand.New(rand.NewPCG(10, 100))
		tick := time.NewTicker(editEvery)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				edited <- nil
				return
			case <-tick.C:
			}
			id := 1 + r.Int64N(maxID)
			stmt := "UPDATE offerings SET monthly_pence = monthly_pence + 1 WHERE id = ?"
			if n%2 == 1 {
				stmt = "UPDATE offerings SET summary = summary || ' (revised)' WHERE id = ?"
			}
			if _, err := writer.ExecContext(ctx, stmt, id); err != nil {
				if ctx.Err() != nil {
					edited <- nil
				} else {
					edited <- fmt.Errorf("edit: %w", err)
				}
				return
			}
			res.edits++
			if err := db.RefreshVersions(ctx); err != nil && ctx.Err() == nil {
				edited <- fmt.Errorf("versions: %w", err)
				return
			}
		}
	}()
	lat, stale, err := timed(ctx)
	if err != nil {
		cancel()
		<-edited
		return res, err
	}
	if err := <-edited; err != nil {
		return res, err
	}
	res.stale = stale
	after := db.Stats()
	res.searches = len(lat)
	res.p50, res.p95, res.max = percentile(lat, 0.5), percentile(lat, 0.95), percentile(lat, 1)
	res.rebuilds = after.SearchIndexBuilds - before.SearchIndexBuilds
	res.rebuildTime = after.SearchIndexTime - before.SearchIndexTime
	if res.rebuilds > 0 {
		res.searchesPerRebuild = float64(res.searches) / float64(res.rebuilds)
	}
	logf("search while editing every %s over %d offerings for %s: %d searches, p50 %s p95 %s max %s (target p95 < %s: %s); %d edits, %d rebuilds (mean %s), %d searches answered from the previous index; without edits just before: %d searches, p50 %s p95 %s max %s",
		editEvery, res.offerings, res.duration, res.searches, ms(res.p50), ms(res.p95), ms(res.max), ms(targetEditSearchP95), okMark(res.ok()),
		res.edits, res.rebuilds, ms(res.meanRebuild()), res.stale, res.quietSearches, ms(res.quietP50), ms(res.quietP95), ms(res.quiet100))
	return res, nil
}

func (r editResult) meanRebuild() time.Duration {
	if r.rebuilds == 0 {
		return 0
	}
	return r.rebuildTime / time.Duration(r.rebuilds)
}
