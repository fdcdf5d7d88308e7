package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync/atomic"
	"time"
)

// The catalogue index's life.
//
// A catalogue write never rebuilds the index itself, and a search never
// waits for a rebuild once an index exists. One goroutine per DB (the
// indexer, started by Open and stopped by Close) builds every index, on the
// DB's own lifetime context, which no visitor can cancel, and without
// holding searchCache.mu: searches go on being answered from the previous
// index until the new one is swapped in whole. The indexer is woken when the
// catalogue version this process knows goes up (publishVersions: its own
// writes as they commit, other processes' writes through RefreshVersions,
// which WatchVersions runs), and a burst of writes is one rebuild: wake-ups
// that arrive during a build are one pending wake-up, and a build reads the
// newest catalogue there is when it starts. So a build running while 200
// edits arrive is followed by at most one more.
//
// Rebuilds are paced: the next starts no sooner than rebuildPause times the
// last one's duration after it ended, so that on a catalogue edited all day
// building takes at most 1/(1+rebuildPause) of a CPU and searches keep the
// rest; the index lags the catalogue by at most about (2+rebuildPause)
// build times (at 100 000 offerings, builds take about 1.6 s on one CPU).
//
// Until a first search asks for it there is no index and no rebuild (a
// command-line process never pays for one); the server builds it at
// start-up (WarmSearchIndex).

// indexer is the index builder's state, in searchCache.
type indexer struct {
	kick chan struct{} // a pending wake-up (capacity 1)
	done chan struct{} // closed when the indexer goroutine has ended
	// attempt is closed when the current build attempt ends (then
	// replaced), for searches that have no index to answer from yet;
	// lastErr is the last attempt's error. Both under searchCache.mu.
	attempt chan struct{}
	lastErr error
	// wanted is set once an index has been asked for: from then on every
	// catalogue change wakes the indexer.
	wanted atomic.Bool
	// hook, in tests, runs at the start of every build (before it reads
	// anything), so a test can hold a build open.
	hook atomic.Pointer[func()]
	// lastBuild is the last build's duration, for the metrics.
	lastBuild atomic.Int64
}

// startIndexer starts the indexer goroutine on ctx, the DB's lifetime.
func (db *DB) startIndexer(ctx context.Context) {
	ix := &db.search.ix
	ix.kick = make(chan struct{}, 1)
	ix.done = make(chan struct{})
	ix.attempt = make(chan struct{})
	go func() {
		defer close(ix.done)
		var pace time.Time // no build starts before this
		for {
			select {
			case <-ctx.Done():
				return
			case <-ix.kick:
			}
			pace = db.catchUp(ctx, pace)
		}
	}()
}

// wakeIndexer asks the indexer to bring the index up to date; it never blocks.
func (db *DB) wakeIndexer() {
	select {
	case db.search.ix.kick <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// catalogueChanged is publishVersions telling the search index that the
// catalogue version went up.
func (db *DB) catalogueChanged() {
	if db.search.ix.wanted.Load() {
		db.wakeIndexer()
	}
}

// rebuildPause is how many times the last build's duration the indexer
// waits after it before starting the next.
const rebuildPause = 3

// catchUp builds indexes until one is as new as the catalogue version this
// process knows, starting none before pace, and returns when the next may
// start. A failed build ends the attempt (logged, and reported to waiting
// searches); the next wake-up tries again.
func (db *DB) catchUp(ctx context.Context, pace time.Time) time.Time {
	c := &db.search
	for ctx.Err() == nil {
		v := db.Versions()[DataCatalogue]
		c.mu.Lock()
		current := c.index != nil && c.index.version >= v
		c.mu.Unlock()
		if current {
			return pace
		}
		if wait := time.Until(pace); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return pace
			}
			continue // the writes that came meanwhile are in the next build
		}
		if h := c.ix.hook.Load(); h != nil {
			(*h)()
		}
		start := time.Now()
		idx, err := db.timedBuildIndex(ctx)
		pace = time.Now().Add(rebuildPause * time.Since(start))
		if err == nil {
			db.reportRanking(idx)
		}
		c.mu.Lock()
		if err == nil && (c.index == nil || idx.version > c.index.version) {
			c.index = idx
			c.results = map[string]SearchResult{}
			c.matches = map[string][]int32{}
			c.lists = map[string]filteredList{}
			c.matchCount, c.resultOfferings, c.listCount = 0, 0, 0
		}
		c.ix.lastErr = err
		close(c.ix.attempt)
		c.ix.attempt = make(chan struct{})
		c.mu.Unlock()
		if err != nil {
			if ctx.Err() == nil {
				slog.Error("search index: rebuild failed; searches use the previous index until the next catalogue change", "err", err)
			}
			return pace
		}
	}
	return pace
}

// catalogueIndex returns the index to answer a search from: the current
// one, even when a newer catalogue is being indexed (stale is then true).
// Only when there is no index yet does it wait, for the first build; ctx
// ends the wait, never the build.
func (db *DB) catalogueIndex(ctx context.Context) (idx *catalogueIndex, stale bool, err error) {
	c := &db.search
	c.ix.wanted.Store(true)
	for {
		// The version as this process knows it (no query); an index built
		// from a newer catalogue (another process's write, not yet
		// refreshed) is newer still, and kept.
		v := db.Versions()[DataCatalogue]
		c.mu.Lock()
		idx, attempt := c.index, c.ix.attempt
		c.mu.Unlock()
		if idx != nil {
			if idx.version < v {
				db.wakeIndexer()
			}
			return idx, idx.version < v, nil
		}
		db.wakeIndexer()
		select {
		case <-attempt:
			c.mu.Lock()
			idx, err = c.index, c.ix.lastErr
			c.mu.Unlock()
			if idx == nil && err != nil {
				return nil, false, err
			}
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-c.ix.done:
			return nil, false, Errorf(EINTERNAL, "the database is closed")
		}
	}
}

// WaitSearchIndex waits until searches are answered from an index of the
// catalogue as this process knows it now: for tests, and for anything that
// must read its own catalogue write back through search.
func (db *DB) WaitSearchIndex(ctx context.Context) error {
	c := &db.search
	c.ix.wanted.Store(true)
	v := db.Versions()[DataCatalogue]
	for {
		c.mu.Lock()
		idx, attempt := c.index, c.ix.attempt
		c.mu.Unlock()
		if idx != nil && idx.version >= v {
			return nil
		}
		db.wakeIndexer()
		select {
		case <-attempt:
			c.mu.Lock()
			err := c.ix.lastErr
			c.mu.Unlock()
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		case <-c.ix.done:
			return Errorf(EINTERNAL, "the database is closed")
		}
	}
}

// WarmSearchIndex starts building the search index in the background, so
// that the first search after start-up need not wait for it, and checks
// the FTS5 format the fast ranking relies on (logged if it falls back).
func (db *DB) WarmSearchIndex() {
	db.search.ix.wanted.Store(true)
	db.wakeIndexer()
}

// SetSearchIndexHook has f run at the start of every search index build,
// before it reads anything, so that a test can hold a build open; nil
// removes it. Tests only.
func (db *DB) SetSearchIndexHook(f func()) {
	if f == nil {
		db.search.ix.hook.Store(nil)
		return
	}
	db.search.ix.hook.Store(&f)
}

// timedBuildIndex is buildIndex, counted in Stats.
func (db *DB) timedBuildIndex(ctx context.Context) (*catalogueIndex, error) {
	start := time.Now()
	idx, err := db.buildIndex(ctx)
	if err == nil {
		d := time.Since(start)
		db.stats.searchBuilt(d)
		db.search.ix.lastBuild.Store(int64(d))
	}
	return idx, err
}

// Search connections.
//
// Every reader connection a search takes (its FTS queries, the fts5vocab
// scans it runs in parallel, loading its page of offerings) comes from
// searchGate, a budget of half the reader pool shared by all searches.
// However many visitors search at once, and whatever a search runs in
// parallel, the other half of the pool is left for signed-in pages (and an
// index build in the background, which takes one connection of its own, so
// that searches never wait for it).

// searchGate is the budget of reader connections for search work.
type searchGate struct {
	tokens chan struct{}
	// hook, in tests, runs with "wait" before a search waits for a
	// connection and "got" once it holds one.
	hook atomic.Pointer[func(stage string)]
}

func (g *searchGate) init(readers int) {
	g.tokens = make(chan struct{}, max(1, readers/2))
}

func (g *searchGate) acquire(ctx context.Context) error {
	select {
	case g.tokens <- struct{}{}:
		return nil
	default:
	}
	if h := g.hook.Load(); h != nil {
		(*h)("wait")
	}
	select {
	case g.tokens <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *searchGate) release() { <-g.tokens }

// searchConn runs fn on one reader connection from the search budget.
func (db *DB) searchConn(ctx context.Context, fn func(conn *sql.Conn) error) error {
	g := &db.search.gate
	if err := g.acquire(ctx); err != nil {
		return err
	}
	defer g.release()
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if h := g.hook.Load(); h != nil {
		(*h)("got")
	}
	return fn(conn)
}
