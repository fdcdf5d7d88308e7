package store

import (
	"sync/atomic"
	"time"
)

// dbStats counts what the server's metrics report about the database. The
// store keeps plain counters (it knows nothing of Prometheus); handlers
// read them at scrape time (Stats) or are told of each write's wait
// (SetWriteWaitObserver).
type dbStats struct {
	writeWait     atomic.Pointer[func(time.Duration)]
	searchBuilds  atomic.Int64
	searchBuildNS atomic.Int64
}

func (s *dbStats) writeWaited(d time.Duration) {
	if f := s.writeWait.Load(); f != nil {
		(*f)(d)
	}
}

func (s *dbStats) searchBuilt(d time.Duration) {
	s.searchBuilds.Add(1)
	s.searchBuildNS.Add(int64(d))
}

// SetWriteWaitObserver has f told, for every write transaction, how long it
// waited to begin: for the one writer connection (writes queue for it in
// Go) and for SQLite's write lock. nil stops it.
func (db *DB) SetWriteWaitObserver(f func(time.Duration)) {
	if f == nil {
		db.stats.writeWait.Store(nil)
		return
	}
	db.stats.writeWait.Store(&f)
}

// Stats are the database's counters since it was opened.
type Stats struct {
	SearchIndexBuilds int64         // catalogue search index (re)builds: one per catalogue version used
	SearchIndexTime   time.Duration // their total time
	SearchIndexLast   time.Duration // the last build's time
}

// Stats returns the database's counters since it was opened.
func (db *DB) Stats() Stats {
	return Stats{SearchIndexBuilds: db.stats.searchBuilds.Load(), SearchIndexTime: time.Duration(db.stats.searchBuildNS.Load()),
		SearchIndexLast: time.Duration(db.search.ix.lastBuild.Load())}
}
