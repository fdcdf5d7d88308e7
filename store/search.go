package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// Sort orders for catalogue search.
const (
	SortRelevance = "relevance"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortName      = "name"
)

// Trial kinds.
const (
	TrialPOV   = "pov"
	TrialSDWAN = "sdwan"
)

// PerPage is the number of results on a catalogue page.
const PerPage = 20

// SearchParams is a catalogue query. MaxMonthly must be negative for no price
// limit (its zero value means "free only"); every other zero value means
// "any", so SearchParams{MaxMonthly: -1} lists everything.
type SearchParams struct {
	Query      string
	Categories []string // category slugs; any of them
	Suppliers  []string // supplier slugs; any of them
	Term       int      // contract term in months; 0 for any
	Trial      string   // "", TrialPOV or TrialSDWAN
	MaxMonthly int64    // MoU price per month in pence; negative for no limit
	Sort       string
	Page       int // 1-based
	PerPage    int // 0 for PerPage; -1 for all results (CSV)
}

// FacetValue is one choice within a filter group and how many results it would give.
type FacetValue struct {
	Value    string
	Label    string
	Count    int
	Selected bool
}

// Facets are the filter groups with counts. Each group's counts apply every
// active filter except the group's own.
type Facets struct {
	Categories []FacetValue
	Suppliers  []FacetValue
	Terms      []FacetValue
	Trials     []FacetValue
}

// SearchResult is one page of catalogue results.
type SearchResult struct {
	Offerings []Offering
	Total     int
	Page      int
	Pages     int
	Facets    Facets
	// Stale is true when the catalogue has changed since the index this
	// result came from was built (a rebuild is under way): the offerings
	// shown are current, but which ones match, their order and the facet
	// counts are as of the previous index. A page showing it must not be
	// cached as the current catalogue's.
	Stale bool
}

// ftsQuery turns what a person typed into a safe FTS5 query: every word
// becomes a quoted prefix term, all required. It never produces FTS syntax
// from user input, so `"unbalanced` or `AND OR` cannot fail.
func ftsQuery(q string) string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) > 12 {
		words = words[:12]
	}
	parts := make([]string, 0, len(words))
	for _, w := range words {
		if r := []rune(w); len(r) > 60 {
			w = string(r[:60]) // whole runes: a cut must stay valid UTF-8
		}
		parts = append(parts, `"`+w+`"*`)
	}
	return strings.Join(parts, " ")
}

// ftsPrefixes returns the words of a query made by ftsQuery when every one
// is plain ASCII letters and digits, which the unicode61 tokenizer keeps as
// one token unchanged; ok is false otherwise.
func ftsPrefixes(q string) (words []string, ok bool) {
	for _, part := range strings.Fields(q) {
		w, found := strings.CutPrefix(part, `"`)
		if !found {
			return nil, false
		}
		if w, found = strings.CutSuffix(w, `"*`); !found || w == "" {
			return nil, false
		}
		for i := 0; i < len(w); i++ {
			if c := w[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return nil, false
			}
		}
		words = append(words, w)
	}
	return words, len(words) > 0
}

// catalogueIndex is an in-memory snapshot of what filtering, faceting and
// sorting need for every active offering, rebuilt when the catalogue version
// changes. Text matching stays in FTS5.
type catalogueIndex struct {
	version    int64
	entries    []indexEntry
	posByID    []int32         // offering id → entry position + 1 (0: none), when ids are dense enough
	byID       map[int64]int32 // offering id → entry position, otherwise; use pos
	byName     []int32         // entry positions in name order
	byPrice    []int32         // entry positions in MoU monthly price order, then name
	categories []Category
	suppliers  []Supplier
	terms      []int // distinct term lengths, ascending; bit i of indexEntry.terms
	// ftsStats holds what bm25 needs besides the matches themselves, when
	// the FTS5 statistics could be read; nil otherwise.
	fts *ftsStats
	// fallback says why fts is nil on a non-empty index ("" when it is not).
	fallback string
}

type indexEntry struct {
	id       int64
	price    int64 // MoU monthly pence
	category int32 // index into categories
	supplier int32 // index into suppliers
	tokens   int32 // FTS5 tokens in the offering's searchable text (bm25's document length)
	terms    uint64
	pov      bool
	sdwan    bool
}

// searchCache holds the current index and answers computed from it. Match
// positions and results are only meaningful for the index they were computed
// from, so they are read and stored only while that index is still current.
type searchCache struct {
	mu      sync.Mutex
	index   *catalogueIndex
	results map[string]SearchResult // keyed by normalised params; reset with the index
	matches map[string][]int32      // FTS matches by query text, in relevance order; reset with the index
	lists   map[string]filteredList // filtered, ordered results by params but page; reset with the index
	flights map[string]*ftsFlight   // matches being computed, by query text
	// What the caches hold, against their budgets.
	matchCount, resultOfferings, listCount int
	// ix builds the index in the background (search_index.go).
	ix indexer
	// gate bounds the reader connections searches take (search_index.go).
	gate searchGate
	// fallback is why the fast ranking is off ("" when it is on), as last logged.
	fallback atomic.Pointer[string]
}

// filteredList is a search's matching index positions in result order, and
// its facets: what all its pages share.
type filteredList struct {
	positions []int32
	facets    Facets
}

type match struct {
	pos  int32
	rank float64 // bm25: lower is better
}

const searchCacheSize = 512

func (db *DB) buildIndex(ctx context.Context) (*catalogueIndex, error) {
	idx := &catalogueIndex{}
	// One connection, outside the searches' budget (search_index.go), in
	// one snapshot: a build in the background takes a quarter of the
	// default reader pool, searches at most half, and signed-in pages
	// always have the rest.
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'catalogue_version'").Scan(&idx.version); err != nil {
			return err
		}
		catPos := map[int64]int32{}
		rows, err := tx.QueryContext(ctx, "SELECT id, slug, name FROM categories ORDER BY position, name")
		if err != nil {
			return err
		}
		for rows.Next() {
			var c Category
			if err := rows.Scan(&c.ID, &c.Slug, &c.Name); err != nil {
				rows.Close()
				return err
			}
			catPos[c.ID] = int32(len(idx.categories))
			idx.categories = append(idx.categories, c)
		}
		rows.Close()
		supPos := map[int64]int32{}
		rows, err = tx.QueryContext(ctx, "SELECT id, slug, name FROM suppliers ORDER BY name")
		if err != nil {
			return err
		}
		for rows.Next() {
			var s Supplier
			if err := rows.Scan(&s.ID, &s.Slug, &s.Name); err != nil {
				rows.Close()
				return err
			}
			supPos[s.ID] = int32(len(idx.suppliers))
			idx.suppliers = append(idx.suppliers, s)
		}
		rows.Close()
		rows, err = tx.QueryContext(ctx, "SELECT DISTINCT months FROM offering_terms ORDER BY months")
		if err != nil {
			return err
		}
		termBit := map[int]uint{}
		for rows.Next() {
			var m int
			if err := rows.Scan(&m); err != nil {
				rows.Close()
				return err
			}
			if len(idx.terms) < 64 {
				termBit[m] = uint(len(idx.terms))
				idx.terms = append(idx.terms, m)
			}
		}
		rows.Close()
		// Name order is the order of this query; price order is derived below.
		rows, err = tx.QueryContext(ctx, `SELECT o.id, o.mou_monthly_pence, o.category_id, o.supplier_id, o.pov_trial, o.sdwan_trial,
			(SELECT group_concat(months, ',') FROM offering_terms t WHERE t.offering_id = o.id)
			FROM offerings o WHERE o.active = 1 ORDER BY o.name COLLATE NOCASE, o.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var minID, maxID int64
		for rows.Next() {
			var e indexEntry
			var cat, sup int64
			var terms sql.NullString
			if err := rows.Scan(&e.id, &e.price, &cat, &sup, &e.pov, &e.sdwan, &terms); err != nil {
				return err
			}
			e.category, e.supplier = catPos[cat], supPos[sup]
			for _, t := range strings.Split(terms.String, ",") {
				m, _ := strconv.Atoi(t)
				if b, ok := termBit[m]; ok {
					e.terms |= 1 << b
				}
			}
			pos := int32(len(idx.entries))
			minID, maxID = min(minID, e.id), max(maxID, e.id)
			idx.entries = append(idx.entries, e)
			idx.byName = append(idx.byName, pos)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		// Offering ids are row ids, so nearly always dense: a slice is smaller and faster than a map.
		if minID >= 0 && maxID < int64(2*len(idx.entries)+1024) {
			idx.posByID = make([]int32, maxID+1)
			for pos, e := range idx.entries {
				idx.posByID[e.id] = int32(pos) + 1
			}
		} else {
			idx.byID = make(map[int64]int32, len(idx.entries))
			for pos, e := range idx.entries {
				idx.byID[e.id] = int32(pos)
			}
		}
		if err := loadFTSStats(ctx, tx, idx); err != nil || idx.fts == nil {
			return err
		}
		// The frequent terms' postings (search_postings.go).
		idx.fts.postings, err = readPostings(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	idx.byPrice = slices.Clone(idx.byName)
	slices.SortStableFunc(idx.byPrice, func(a, b int32) int {
		pa, pb := idx.entries[a].price, idx.entries[b].price
		switch {
		case pa < pb:
			return -1
		case pa > pb:
			return 1
		}
		return 0
	})
	return idx, nil
}

// ftsColumns are offerings_fts's columns in order, with their bm25 weights.
var ftsColumns = [...]struct {
	name   string
	weight float64
}{{"name", 10}, {"summary", 4}, {"description", 1}, {"supplier", 3}, {"category", 3}}

// bm25MaxRows is the number of matches up to which a query of several
// terms is ranked by FTS5's bm25() rather than prefixMatches.
const bm25MaxRows = 5000

// Cache budgets, so that memory stays bounded whatever visitors search for.
const (
	matchCacheBudget  = 2 << 20 // matches (4 bytes each) held in the match cache
	listCacheBudget   = 2 << 20 // index positions (4 bytes each) held in cached lists
	resultCacheBudget = 5000    // offerings held in cached results
)

// searchSlots bounds the searches computed (not answered from the cache)
// at once, and ftsSlots, within those, the FTS match computations, which
// take longest and hold a few megabytes each while they run.
var (
	searchSlots = make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	ftsSlots    = make(chan struct{}, runtime.GOMAXPROCS(0)+1)
)

// ftsFlight is one computation of a query's matches, which other requests
// for the same query wait for rather than repeat.
type ftsFlight struct {
	idx  *catalogueIndex
	done chan struct{}
	m    []int32
	err  error
}

// ftsMatches returns the index positions of the active offerings matching
// an FTS5 query in relevance order (bm25, then name order), cached per query
// until the catalogue changes.
func (db *DB) ftsMatches(ctx context.Context, idx *catalogueIndex, q string) ([]int32, error) {
	c := &db.search
	for {
		c.mu.Lock()
		if c.index != idx { // a newer catalogue: nothing to share or keep
			c.mu.Unlock()
			return db.computeMatches(ctx, idx, q)
		}
		if m, ok := c.matches[q]; ok {
			c.mu.Unlock()
			return m, nil
		}
		f := c.flights[q]
		if f == nil || f.idx != idx {
			f = &ftsFlight{idx: idx, done: make(chan struct{})}
			if c.flights == nil {
				c.flights = map[string]*ftsFlight{}
			}
			c.flights[q] = f
			c.mu.Unlock()
			f.m, f.err = db.computeMatches(ctx, idx, q)
			c.mu.Lock()
			if c.flights[q] == f {
				delete(c.flights, q)
			}
			if f.err == nil && c.index == idx {
				if c.matchCount+len(f.m) > matchCacheBudget || len(c.matches) >= searchCacheSize {
					clear(c.matches)
					c.matchCount = 0
				}
				c.matches[q] = f.m
				c.matchCount += len(f.m)
			}
			c.mu.Unlock()
			close(f.done)
			return f.m, f.err
		}
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err == nil {
				return f.m, nil
			}
			// The request computing it failed (perhaps its visitor left): try again.
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// computeMatches finds and ranks a query's matches, choosing the faster of
// two exact ways to rank them.
func (db *DB) computeMatches(ctx context.Context, idx *catalogueIndex, q string) ([]int32, error) {
	select {
	case ftsSlots <- struct{}{}:
		defer func() { <-ftsSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	words, vocab := ftsPrefixes(q)
	vocab = vocab && idx.fts != nil
	if vocab && len(words) > 1 {
		// Every term must match: when few offerings match them all, bm25()
		// on those few is cheaper than reading every term's instances.
		var n int
		err := db.searchConn(ctx, func(conn *sql.Conn) error {
			return conn.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT rowid FROM offerings_fts
			WHERE offerings_fts MATCH ? LIMIT ?)`, q, bm25MaxRows+1).Scan(&n)
		})
		if err != nil {
			return nil, err
		}
		vocab = n > bm25MaxRows
	}
	var m []match
	var err error
	if vocab {
		if m, vocab, err = db.prefixMatches(ctx, idx, words); err != nil {
			return nil, err
		}
	}
	if !vocab {
		if m, err = db.bm25Matches(ctx, idx, q); err != nil {
			return nil, err
		}
	}
	sortMatches(m)
	ranked := make([]int32, len(m))
	for i, x := range m {
		ranked[i] = x.pos
	}
	return ranked, nil
}

// bm25Matches runs the query in FTS5 and ranks every match with its bm25().
// It is exact for any query but slow for one matching most of the
// catalogue: bm25() looks up each matching row's size in the docsize table.
func (db *DB) bm25Matches(ctx context.Context, idx *catalogueIndex, q string) (m []match, err error) {
	err = db.searchConn(ctx, func(conn *sql.Conn) error {
		m, err = bm25Rows(ctx, conn, idx, q)
		return err
	})
	return m, err
}

// bm25Rows is bm25Matches on q.
func bm25Rows(ctx context.Context, q querier, idx *catalogueIndex, query string) ([]match, error) {
	rows, err := q.QueryContext(ctx, `SELECT rowid, bm25(offerings_fts, 10.0, 4.0, 1.0, 3.0, 3.0)
		FROM offerings_fts WHERE offerings_fts MATCH ?`, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var m []match
	for rows.Next() {
		var id int64
		var rank float64
		if err := rows.Scan(&id, &rank); err != nil {
			return nil, err
		}
		if pos, ok := idx.pos(id); ok { // withdrawn offerings are not in the index
			m = append(m, match{pos: pos, rank: rank})
		}
	}
	return m, rows.Err()
}

// sortMatches puts matches in relevance order: rank, then index position
// (name order). It is an LSD radix sort, several times faster than a
// comparison sort for the tens of thousands of matches of a common word.
func sortMatches(m []match) {
	if len(m) < 512 {
		slices.SortFunc(m, func(a, b match) int {
			switch {
			case a.rank < b.rank:
				return -1
			case a.rank > b.rank:
				return 1
			}
			return int(a.pos - b.pos)
		})
		return
	}
	// key orders like the float64 ranks (finite; -0 sorts as 0).
	type item struct {
		key uint64
		pos uint32
	}
	a, b := make([]item, len(m)), make([]item, len(m))
	for i, x := range m {
		r := x.rank
		if r == 0 {
			r = 0
		}
		k := math.Float64bits(r)
		if k>>63 != 0 {
			k = ^k
		} else {
			k |= 1 << 63
		}
		a[i] = item{k, uint32(x.pos)}
	}
	var counts [256]int
	d0 := 0 // 4 bytes of position (the secondary key), then 8 of rank
	if slices.IsSortedFunc(a, func(x, y item) int { return int(x.pos) - int(y.pos) }) {
		d0 = 4 // already in position order
	}
	for d := d0; d < 12; d++ {
		digit := func(it item) byte {
			if d < 4 {
				return byte(it.pos >> (8 * d))
			}
			return byte(it.key >> (8 * (d - 4)))
		}
		clear(counts[:])
		for _, it := range a {
			counts[digit(it)]++
		}
		if counts[digit(a[0])] == len(a) {
			continue // the same digit throughout: nothing moves
		}
		sum := 0
		for i, n := range counts {
			counts[i], sum = sum, sum+n
		}
		for _, it := range a {
			dg := digit(it)
			b[counts[dg]] = it
			counts[dg]++
		}
		a, b = b, a
	}
	for i, it := range a {
		k := it.key
		if k>>63 != 0 {
			k &^= 1 << 63
		} else {
			k = ^k
		}
		m[i] = match{pos: int32(it.pos), rank: math.Float64frombits(k)}
	}
}

// ftsStats are the FTS5 index statistics bm25 uses, read with the catalogue
// index so that matches can be ranked without asking FTS5 for bm25().
type ftsStats struct {
	rows  int64   // rows in the index (bm25's N)
	avgdl float64 // mean tokens per row
	// postings of the most frequent terms, in term order (search_postings.go)
	postings []termPostings
}

// vocabTable is the fts5vocab table (migration 0001) listing every token
// instance in offerings_fts: (term, doc, col, offset).
const vocabTable = "offerings_fts_instance"

// vocabColumn is an SQL expression under 16 for an fts5vocab column name,
// and vocabWeight its bm25 weight by that value: the name's length when
// columns of equal length have equal weights (cheaper for SQLite than a
// CASE), otherwise the column's index.
var vocabColumn, vocabWeight = func() (string, [16]float64) {
	var w [16]float64
	byLength := true
	for _, c := range ftsColumns {
		n := len(c.name)
		if n >= len(w) || w[n] != 0 && w[n] != c.weight {
			byLength = false
			break
		}
		w[n] = c.weight
	}
	if byLength {
		return "length(col)", w
	}
	clear(w[:])
	var b strings.Builder
	b.WriteString("CASE col")
	for i, c := range ftsColumns {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", c.name, i)
		w[i] = c.weight
	}
	b.WriteString(" ELSE 15 END")
	return b.String(), w
}()

// vocabExactSQL and vocabRangeSQL list the instances of one term (those in
// rows whose id's lowest bit is ?2), or of the terms in [?1, ?2), as one string
// of doc*16 + vocabColumn, comma separated. One term is the fastest lookup
// fts5vocab has, and halving it by row id lets two connections share the
// work of a word found in most offerings.
var (
	vocabExactSQL = "SELECT group_concat(doc * 16 + " + vocabColumn + ") FROM " + vocabTable + " WHERE term = ?1 AND (doc & 1) = ?2"
	vocabRangeSQL = "SELECT group_concat(doc * 16 + " + vocabColumn + ") FROM " + vocabTable + " WHERE term >= ?1 AND term < ?2"
)

// vocabJob is one vocab query: one term (end "") and a row id parity, or a
// range of terms.
type vocabJob struct {
	start, end string
	parity     int
}

// prefixJobs splits reading the instances of the terms starting with
// prefix into vocab jobs: the prefix itself, in two halves by row id, and
// ranges of longer terms, split by their next character when the prefix is
// short (so that the many words it starts can be read in parallel). Terms
// of ASCII words are lowercase letters and digits; other terms have bytes
// 0x80 and up. Terms with precomputed postings are not read: they are
// returned instead, and the ranges skip them (tokens hold no control
// characters, so term+"\x01" is the first possible term after term).
func (st *ftsStats) prefixJobs(prefix string) (jobs []vocabJob, post []*termPostings) {
	if p := st.postingsFor(prefix); p != nil {
		post = append(post, p)
	} else {
		jobs = append(jobs, vocabJob{start: prefix, parity: 0}, vocabJob{start: prefix, parity: 1}) // exactly the prefix
	}
	end := prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
	cuts := []string{"\x01"}
	if len(prefix) <= 2 {
		cuts = append(cuts, "d", "h", "m", "r", "u")
	}
	for i, cut := range cuts {
		start, stop := prefix+cut, end
		if i+1 < len(cuts) {
			stop = prefix + cuts[i+1]
		}
		ps := st.postingsIn(start, stop)
		for j := range ps {
			p := &ps[j]
			if start < p.term {
				jobs = append(jobs, vocabJob{start: start, end: p.term})
			}
			post = append(post, p)
			start = p.term + "\x01"
		}
		jobs = append(jobs, vocabJob{start: start, end: stop})
	}
	return jobs, post
}

// prefixMatches ranks the matches of a query whose phrases are single
// ASCII prefix terms, with the same result as FTS5's bm25() with the
// column weights in ftsColumns, but much faster for words found in most
// offerings. It reads each term's instances from an fts5vocab table (one
// pass over the index, no per-row lookups) and computes bm25 here from the
// document lengths held in the catalogue index. ok is false if the vocab
// table is unavailable, so the caller falls back to bm25Matches.
//
// FTS5's bm25 (fts5_aux.c), for phrases i with nHit_i matching rows:
//
//	idf_i = max(ln((N - nHit_i + 0.5) / (nHit_i + 0.5)), 1e-6)
//	f_i   = sum of the column weights over phrase i's instances in the row
//	score = sum_i idf_i * f_i*(k1+1) / (f_i + k1*(1 - b + b*D/avgdl))
//	bm25  = -score, with k1 = 1.2, b = 0.75 and D the row's tokens.
func (db *DB) prefixMatches(ctx context.Context, idx *catalogueIndex, words []string) (m []match, ok bool, err error) {
	st := idx.fts
	freq := make([]float64, len(idx.entries)) // f_i by index position; zero when absent
	var cand []int32                          // positions matching every phrase so far
	var score []float64                       // by cand
	var touched []int32
	// Read every word's instances at once (in parallel), then take the
	// words in order, as bm25 sums over phrases.
	var jobs []vocabJob
	type plan struct {
		lo, hi int             // the word's jobs are jobs[lo:hi]
		post   []*termPostings // and these terms are precomputed
	}
	plans := map[string]plan{}
	for _, w := range words {
		if _, ok := plans[w]; !ok {
			js, post := st.prefixJobs(w)
			plans[w] = plan{len(jobs), len(jobs) + len(js), post}
			jobs = append(jobs, js...)
		}
	}
	all, err := db.vocabScan(ctx, jobs)
	if err != nil {
		return nil, false, err
	}
	for i, w := range words {
		touched = touched[:0]
		var withdrawn map[int64]bool
		for _, p := range plans[w].post {
			for doc, f := range p.freq {
				if f == 0 {
					continue
				}
				pos, ok := idx.pos(int64(doc))
				if !ok {
					if withdrawn == nil {
						withdrawn = map[int64]bool{}
					}
					withdrawn[int64(doc)] = true
					continue
				}
				if freq[pos] == 0 {
					touched = append(touched, pos)
				}
				freq[pos] += float64(f) // whole numbers: exact, in any order
			}
		}
		for _, instances := range all[plans[w].lo:plans[w].hi] {
			for _, v := range instances {
				doc, weight := v>>4, vocabWeight[v&15]
				pos, ok := idx.pos(doc)
				if !ok {
					if withdrawn == nil {
						withdrawn = map[int64]bool{}
					}
					withdrawn[doc] = true
					continue
				}
				if freq[pos] == 0 {
					touched = append(touched, pos)
				}
				freq[pos] += weight
			}
		}
		nHit := int64(len(touched) + len(withdrawn))
		var idf float64
		if err := db.searchConn(ctx, func(conn *sql.Conn) (err error) {
			idf, err = bm25IDF(ctx, conn, st.rows, nHit)
			return err
		}); err != nil {
			return nil, false, err
		}
		if i == 0 {
			// In index order, which spares sortMatches half its work.
			cand = make([]int32, 0, len(touched))
			for pos, f := range freq {
				if f != 0 {
					cand = append(cand, int32(pos))
				}
			}
			score = make([]float64, len(cand))
		} else {
			j := 0
			for k, pos := range cand {
				if freq[pos] != 0 {
					cand[j], score[j] = pos, score[k]
					j++
				}
			}
			cand, score = cand[:j], score[:j]
		}
		for j, pos := range cand {
			score[j] += st.bm25Term(idf, freq[pos], idx.entries[pos].tokens)
		}
		for _, pos := range touched {
			freq[pos] = 0
		}
	}
	m = make([]match, len(cand))
	for j, pos := range cand {
		m[j] = match{pos: pos, rank: -1 * score[j]}
	}
	return m, true, nil
}

// vocabScan runs the vocab jobs, up to GOMAXPROCS at a time on separate
// connections, and returns each one's instances as doc*16 + vocabColumn.
func (db *DB) vocabScan(ctx context.Context, jobs []vocabJob) ([][]int64, error) {
	instances := make([][]int64, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int, len(jobs))
	for i := range jobs {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(len(jobs), max(1, runtime.GOMAXPROCS(0))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if errs[i] = ctx.Err(); errs[i] == nil {
					instances[i], errs[i] = db.vocabQuery(ctx, jobs[i])
				}
			}
		}()
	}
	wg.Wait()
	return instances, errors.Join(errs...)
}

// vocabQuery runs one vocab job on a connection of its own, creating the
// connection's vocab table on first use.
func (db *DB) vocabQuery(ctx context.Context, j vocabJob) ([]int64, error) {
	query, args := vocabRangeSQL, []any{j.start, j.end}
	if j.end == "" {
		query, args = vocabExactSQL, []any{j.start, j.parity}
	}
	var text sql.NullString
	err := db.searchConn(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, query, args...).Scan(&text)
	})
	if err != nil {
		return nil, err
	}
	// Parse the list here, in parallel with the other jobs.
	s := text.String
	out := make([]int64, 0, len(s)/7)
	for len(s) > 0 {
		v, rest, err := nextInstance(s)
		if err != nil {
			return nil, err
		}
		out, s = append(out, v), rest
	}
	return out, nil
}

// nextInstance parses the first value of a non-empty vocab instance list
// (doc*16 + vocabColumn, comma separated) and returns the rest.
func nextInstance(s string) (v int64, rest string, err error) {
	i, neg := 0, s[0] == '-' // row ids are positive in practice, but need not be
	if neg {
		i++
	}
	for ; i < len(s) && s[i] != ','; i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, "", fmt.Errorf("fts5vocab instance list: unexpected %q", s[i])
		}
		v = v*10 + int64(c)
	}
	if neg {
		v = -v
	}
	if vocabWeight[v&15] == 0 { // v>>4 and v&15 split negative values right too
		return 0, "", fmt.Errorf("fts5vocab instance list: unexpected value %d", v)
	}
	return v, s[min(i+1, len(s)):], nil
}

// loadFTSStats reads the FTS5 statistics and every offering's token count
// into idx.fts and the entries. They come from FTS5's shadow tables, whose
// format SQLite does not document: on anything unexpected, or when the
// ranks they give differ from FTS5's own bm25() (checkRanking), it leaves
// idx.fts nil and says why in idx.fallback, and search ranks with bm25()
// instead (exact, but slower for common words).
func loadFTSStats(ctx context.Context, tx *sql.Tx, idx *catalogueIndex) error {
	why, err := readFTSStats(ctx, tx, idx)
	if err == nil && why == "" && idx.fts != nil {
		why, err = checkRanking(ctx, tx, idx)
	}
	if err != nil {
		return err
	}
	if why != "" {
		idx.fts, idx.fallback = nil, why
	}
	return nil
}

// readFTSStats is loadFTSStats's reading; why says what was unexpected.
func readFTSStats(ctx context.Context, tx *sql.Tx, idx *catalogueIndex) (why string, err error) {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info('offerings_fts') ORDER BY cid")
	if err != nil {
		return "", err
	}
	var cols []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return "", err
		}
		cols = append(cols, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(cols) != len(ftsColumns) {
		return fmt.Sprintf("offerings_fts has columns %q, not the %d ranking expects", cols, len(ftsColumns)), nil
	}
	for i, c := range ftsColumns {
		if cols[i] != c.name {
			return fmt.Sprintf("offerings_fts column %d is %q, not %q", i, cols[i], c.name), nil
		}
	}
	// The averages record: the row count, then each column's total tokens.
	var avg []byte
	if err := tx.QueryRowContext(ctx, "SELECT block FROM offerings_fts_data WHERE id = 1").Scan(&avg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil // an empty index: nothing to rank
		}
		return "", err
	}
	if len(avg) == 0 {
		return "", nil // an index that has never held a row
	}
	nRow, n := sqliteVarint(avg)
	if n == 0 {
		return "the averages record of offerings_fts_data does not decode", nil
	}
	if nRow == 0 {
		return "", nil // an empty index: nothing to rank
	}
	avg = avg[n:]
	var tokens uint64
	for range ftsColumns {
		v, n := sqliteVarint(avg)
		if n == 0 {
			return "the averages record of offerings_fts_data is shorter than its columns", nil
		}
		tokens += v
		avg = avg[n:]
	}
	// Each row's size: a varint of tokens per column.
	rows, err = tx.QueryContext(ctx, "SELECT id, sz FROM offerings_fts_docsize")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id int64
		var sz []byte
		if err := rows.Scan(&id, &sz); err != nil {
			return "", err
		}
		pos, ok := idx.pos(id)
		if !ok {
			continue
		}
		var d uint64
		for len(sz) > 0 {
			v, n := sqliteVarint(sz)
			if n == 0 {
				return fmt.Sprintf("offerings_fts_docsize row %d does not decode", id), nil
			}
			d += v
			sz = sz[n:]
		}
		idx.entries[pos].tokens = int32(d)
		seen++
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if seen != len(idx.entries) {
		return fmt.Sprintf("offerings_fts_docsize has sizes for %d of %d active offerings", seen, len(idx.entries)), nil
	}
	idx.fts = &ftsStats{rows: int64(nRow), avgdl: float64(int64(tokens)) / float64(int64(nRow))}
	return "", nil
}

// checkRanking compares the ranks prefixMatches computes from idx.fts with
// FTS5's own bm25() for one term, in the same snapshot: why is not empty if
// they differ, which means FTS5's internal format is not what
// readFTSStats expects. The term is the rarest of the first few terms from
// "a" in the fts5vocab row table, so the check costs little.
func checkRanking(ctx context.Context, tx *sql.Tx, idx *catalogueIndex) (why string, err error) {
	probe := "SELECT term, cnt FROM offerings_fts_row WHERE term >= 'a' LIMIT 64"
	var hasRow int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'offerings_fts_row'").Scan(&hasRow); err != nil {
		return "", err
	}
	if hasRow == 0 { // a database made before migration 0001 had it: any term will do
		probe = "SELECT term, 0 FROM " + vocabTable + " WHERE term >= 'a' LIMIT 1"
	}
	rows, err := tx.QueryContext(ctx, probe)
	if err != nil {
		return "", err
	}
	var term string
	var best int64
	for rows.Next() {
		var t string
		var cnt int64
		if err := rows.Scan(&t, &cnt); err != nil {
			rows.Close()
			return "", err
		}
		if words, ok := ftsPrefixes(`"` + t + `"*`); ok && len(words) == 1 && (term == "" || cnt < best) {
			term, best = t, cnt
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if term == "" {
		return "", nil // no plain term to check with
	}
	var text sql.NullString
	if err := tx.QueryRowContext(ctx, vocabTermSQL, term).Scan(&text); err != nil {
		return "", err
	}
	freq := map[int64]float64{}
	for s := text.String; len(s) > 0; {
		v, rest, err := nextInstance(s)
		if err != nil {
			return fmt.Sprintf("fts5vocab instances of %q: %v", term, err), nil
		}
		s = rest
		freq[v>>4] += vocabWeight[v&15]
	}
	idf, err := bm25IDF(ctx, tx, idx.fts.rows, int64(len(freq)))
	if err != nil {
		return "", err
	}
	want, err := bm25Rows(ctx, tx, idx, `"`+term+`"`)
	if err != nil {
		return "", err
	}
	got := 0
	for id := range freq {
		if _, ok := idx.pos(id); ok {
			got++
		}
	}
	if got != len(want) {
		return fmt.Sprintf("term %q: fts5vocab lists %d active offerings, FTS5 matches %d", term, got, len(want)), nil
	}
	for _, w := range want {
		e := idx.entries[w.pos]
		r := -idx.fts.bm25Term(idf, freq[e.id], e.tokens)
		if math.Abs(r-w.rank) > 1e-9*math.Abs(w.rank) {
			return fmt.Sprintf("term %q, offering %d: rank %g from the shadow tables, FTS5's bm25() says %g", term, e.id, r, w.rank), nil
		}
	}
	return "", nil
}

// bm25IDF is bm25's idf for a phrase matching nHit of rows rows. SQLite's ln
// is the C library log() that FTS5's bm25 uses, so ranks match exactly.
func bm25IDF(ctx context.Context, q querier, rows, nHit int64) (float64, error) {
	var idf float64
	if err := q.QueryRowContext(ctx, "SELECT ln(?)", (float64(rows-nHit)+0.5)/(float64(nHit)+0.5)).Scan(&idf); err != nil {
		return 0, err
	}
	if idf <= 0 {
		idf = 1e-6
	}
	return idf, nil
}

// bm25Term is one phrase's part of bm25's score for a row of the given
// tokens, where f is the phrase's weighted frequency in it. k1 and b are
// variables, as in fts5_aux.c, so the arithmetic rounds as FTS5's does.
func (st *ftsStats) bm25Term(idf, f float64, tokens int32) float64 {
	k1, b := 1.2, 0.75
	d := float64(tokens)
	return idf * ((f * (k1 + 1)) / (f + k1*(1-b+b*d/st.avgdl)))
}

// reportRanking logs, loudly, when the fast ranking falls back to bm25()
// (and when it recovers): once per change, not per rebuild.
func (db *DB) reportRanking(idx *catalogueIndex) {
	why := idx.fallback
	if old := db.search.fallback.Swap(&why); old != nil && *old == why || old == nil && why == "" {
		return
	}
	if why != "" {
		slog.Error("SEARCH RANKING FALLBACK: FTS5's internal format is not what the fast ranking reads; "+
			"every text search now ranks with FTS5's bm25(), which is exact but several times slower for common words. "+
			"Check the SQLite version (modernc.org/sqlite) against store/search.go's readFTSStats.", "reason", why)
		return
	}
	slog.Info("search ranking: FTS5 format checked; fast ranking on")
}

// SearchRankingFallback says why searches rank with FTS5's bm25() rather
// than the fast path ("" when they do not), as of the last index build.
func (db *DB) SearchRankingFallback() string {
	if p := db.search.fallback.Load(); p != nil {
		return *p
	}
	return ""
}

// sqliteVarint decodes SQLite's variable-length integer (as FTS5 stores
// them); n is 0 if b is too short.
func sqliteVarint(b []byte) (v uint64, n int) {
	for i := 0; i < len(b); i++ {
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// pos returns an offering's position in the index.
func (idx *catalogueIndex) pos(id int64) (int32, bool) {
	if id >= 0 && id < int64(len(idx.posByID)) {
		p := idx.posByID[id]
		return p - 1, p > 0
	}
	if idx.byID == nil {
		return 0, false
	}
	p, ok := idx.byID[id]
	return p, ok
}

// ResetSearchCache forgets cached search results, lists and FTS matches
// (not the catalogue index), so that benchmarks can time uncached searches.
func (db *DB) ResetSearchCache() {
	c := &db.search
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.results)
	clear(c.matches)
	clear(c.lists)
	c.matchCount, c.resultOfferings, c.listCount = 0, 0, 0
}

func (p SearchParams) key() string {
	return fmt.Sprintf("%q|%q|%q|%d|%s|%d|%s|%d|%d", p.Query, p.Categories, p.Suppliers, p.Term, p.Trial, p.MaxMonthly, p.Sort, p.Page, p.PerPage)
}

// SearchOfferings runs a catalogue query: FTS5 (bm25, prefix terms) for the
// text, and filters, facet counts, sorting and paging over the in-memory
// catalogue index. Results are cached until the catalogue changes.
func (db *DB) SearchOfferings(ctx context.Context, p SearchParams) (SearchResult, error) {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.PerPage == 0 {
		p.PerPage = PerPage
	}
	q := ftsQuery(p.Query)
	if p.Sort == "" || (p.Sort == SortRelevance && q == "") {
		p.Sort = SortRelevance
	}
	idx, stale, err := db.catalogueIndex(ctx)
	if err != nil {
		return SearchResult{}, err
	}
	key := p.key()
	// A result holds its offerings as they were read, so one kept while
	// the index is behind the catalogue could show an offering withdrawn
	// since: while it is behind, results are neither served from the
	// cache nor kept (the matches and lists, which depend only on the
	// index, still are).
	db.search.mu.Lock()
	res, ok := db.search.results[key]
	ok = ok && db.search.index == idx && !stale
	db.search.mu.Unlock()
	if ok {
		res.Stale = stale
		return res, nil
	}
	// Searches computed at once are bounded (the work is CPU-bound and
	// each holds working memory in proportion to its matches); the rest
	// queue here, and may then find their result cached.
	select {
	case searchSlots <- struct{}{}:
		defer func() { <-searchSlots }()
	case <-ctx.Done():
		return SearchResult{}, ctx.Err()
	}
	db.search.mu.Lock()
	res, ok = db.search.results[key]
	ok = ok && db.search.index == idx && !stale
	db.search.mu.Unlock()
	if ok {
		res.Stale = stale
		return res, nil
	}

	l, err := db.searchList(ctx, idx, p, q)
	if err != nil {
		return SearchResult{}, err
	}
	c := &db.search
	positions, facets := l.positions, l.facets
	res = SearchResult{Total: len(positions), Facets: facets, Page: p.Page}
	page := positions
	if p.PerPage > 0 {
		res.Pages = max(1, (len(positions)+p.PerPage-1)/p.PerPage)
		start := min((p.Page-1)*p.PerPage, len(positions))
		page = positions[start:min(start+p.PerPage, len(positions))]
	} else {
		res.Pages = 1
	}
	if res.Offerings, err = db.offeringsAt(ctx, idx, page); err != nil {
		return SearchResult{}, err
	}
	c.mu.Lock()
	if n := len(res.Offerings); c.index == idx && !stale && n <= resultCacheBudget/4 { // not whole-catalogue CSV exports
		if len(c.results) >= searchCacheSize || c.resultOfferings+n > resultCacheBudget {
			clear(c.results)
			c.resultOfferings = 0
		}
		c.results[key] = res
		c.resultOfferings += n
	}
	c.mu.Unlock()
	res.Stale = stale
	return res, nil
}

// searchList returns a search's filtered, ordered list and facets, which
// every page of it shares, cached until the catalogue changes.
func (db *DB) searchList(ctx context.Context, idx *catalogueIndex, p SearchParams, q string) (filteredList, error) {
	c := &db.search
	lkey := fmt.Sprintf("%q|%q|%q|%d|%s|%d|%s", q, p.Categories, p.Suppliers, p.Term, p.Trial, p.MaxMonthly, p.Sort)
	c.mu.Lock()
	l, ok := c.lists[lkey]
	ok = ok && c.index == idx
	c.mu.Unlock()
	if ok {
		return l, nil
	}
	var matches []int32
	if q != "" {
		var err error
		if matches, err = db.ftsMatches(ctx, idx, q); err != nil {
			return l, err
		}
	}
	l.positions, l.facets = idx.filter(p, q != "", matches)
	c.mu.Lock()
	if c.index == idx {
		if c.listCount+len(l.positions) > listCacheBudget || len(c.lists) >= searchCacheSize {
			clear(c.lists)
			c.listCount = 0
		}
		c.lists[lkey] = l
		c.listCount += len(l.positions)
	}
	c.mu.Unlock()
	return l, nil
}

// EachSearchOffering calls fn with every offering a search finds, in result
// order, as SearchOfferings with PerPage -1 would list them (p.Page and
// p.PerPage are ignored), but loading them a few hundred at a time, so that
// exporting the whole catalogue needs little memory. It stops at fn's first
// error and returns it.
func (db *DB) EachSearchOffering(ctx context.Context, p SearchParams, fn func(Offering) error) error {
	q := ftsQuery(p.Query)
	if p.Sort == "" || (p.Sort == SortRelevance && q == "") {
		p.Sort = SortRelevance
	}
	idx, _, err := db.catalogueIndex(ctx)
	if err != nil {
		return err
	}
	select {
	case searchSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	l, err := db.searchList(ctx, idx, p, q)
	<-searchSlots
	if err != nil {
		return err
	}
	const chunk = 500
	for start := 0; start < len(l.positions); start += chunk {
		offerings, err := db.offeringsAt(ctx, idx, l.positions[start:min(start+chunk, len(l.positions))])
		if err != nil {
			return err
		}
		for _, o := range offerings {
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// filter applies every filter, counts facets, and returns the matching
// entry positions in the requested order.
func (idx *catalogueIndex) filter(p SearchParams, hasQuery bool, matches []int32) ([]int32, Facets) {
	// A filter on values that match nothing (an unknown slug) matches no
	// offering, rather than being ignored.
	wantCat := make([]bool, len(idx.categories))
	anyCat := len(p.Categories) > 0
	for i, c := range idx.categories {
		wantCat[i] = slices.Contains(p.Categories, c.Slug)
	}
	wantSup := make([]bool, len(idx.suppliers))
	anySup := len(p.Suppliers) > 0
	for i, s := range idx.suppliers {
		wantSup[i] = slices.Contains(p.Suppliers, s.Slug)
	}
	var termMask uint64
	termUnknown := false
	if p.Term > 0 {
		if i := slices.Index(idx.terms, p.Term); i >= 0 {
			termMask = 1 << uint(i)
		} else {
			termUnknown = true
		}
	}
	catCount := make([]int, len(idx.categories))
	supCount := make([]int, len(idx.suppliers))
	termCount := make([]int, len(idx.terms))
	var povCount, sdwanCount int

	// Decide every candidate in index order, which reads the entries
	// sequentially (much faster than in relevance order for a large match
	// set), then list those passing every filter in result order.
	var member []bool // nil: every offering is a candidate
	if hasQuery {
		member = make([]bool, len(idx.entries))
		for _, pos := range matches {
			member[pos] = true
		}
	}
	pass := make([]bool, len(idx.entries))
	npass := 0
	for pos := range idx.entries {
		if member != nil && !member[pos] {
			continue
		}
		e := &idx.entries[pos]
		failCat := anyCat && !wantCat[e.category]
		failSup := anySup && !wantSup[e.supplier]
		failTerm := termUnknown || (termMask != 0 && e.terms&termMask == 0)
		failTrial := (p.Trial == TrialPOV && !e.pov) || (p.Trial == TrialSDWAN && !e.sdwan)
		failPrice := p.MaxMonthly >= 0 && e.price > p.MaxMonthly
		if failPrice {
			continue // price has no facet counts
		}
		fails := 0
		for _, f := range [...]bool{failCat, failSup, failTerm, failTrial} {
			if f {
				fails++
			}
		}
		if fails > 1 {
			continue
		}
		if fails == 0 {
			pass[pos] = true
			npass++
		}
		if !failSup && !failTerm && !failTrial {
			catCount[e.category]++
		}
		if !failCat && !failTerm && !failTrial {
			supCount[e.supplier]++
		}
		if !failCat && !failSup && !failTrial {
			for t := e.terms; t != 0; t &= t - 1 {
				termCount[bits.TrailingZeros64(t)]++
			}
		}
		if !failCat && !failSup && !failTerm {
			if e.pov {
				povCount++
			}
			if e.sdwan {
				sdwanCount++
			}
		}
	}

	// Candidates in result order.
	var order []int32
	switch {
	case hasQuery && p.Sort == SortRelevance:
		order = matches // already in relevance order
	case p.Sort == SortPriceAsc || p.Sort == SortPriceDesc:
		order = idx.byPrice
	default:
		order = idx.byName
	}
	out := make([]int32, 0, npass)
	for _, pos := range order {
		if pass[pos] {
			out = append(out, pos)
		}
	}
	if p.Sort == SortPriceDesc {
		// out is in price-then-name order; keep name order within equal prices.
		slices.SortStableFunc(out, func(a, b int32) int {
			pa, pb := idx.entries[a].price, idx.entries[b].price
			switch {
			case pa > pb:
				return -1
			case pa < pb:
				return 1
			}
			return 0
		})
	}

	var f Facets
	for i, c := range idx.categories {
		f.Categories = append(f.Categories, FacetValue{Value: c.Slug, Label: c.Name, Count: catCount[i], Selected: wantCat[i]})
	}
	for i, s := range idx.suppliers {
		f.Suppliers = append(f.Suppliers, FacetValue{Value: s.Slug, Label: s.Name, Count: supCount[i], Selected: wantSup[i]})
	}
	for i, t := range idx.terms {
		label := fmt.Sprintf("%d months", t)
		if t == 1 {
			label = "1 month"
		}
		f.Terms = append(f.Terms, FacetValue{Value: fmt.Sprint(t), Label: label, Count: termCount[i], Selected: p.Term == t})
	}
	f.Trials = []FacetValue{
		{Value: TrialPOV, Label: "Proof of value", Count: povCount, Selected: p.Trial == TrialPOV},
		{Value: TrialSDWAN, Label: "SD-WAN", Count: sdwanCount, Selected: p.Trial == TrialSDWAN},
	}
	return out, f
}

// offeringsAt loads the offerings at the given index positions, in order.
func (db *DB) offeringsAt(ctx context.Context, idx *catalogueIndex, positions []int32) ([]Offering, error) {
	if len(positions) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(positions))
	for i, pos := range positions {
		ids[i] = idx.entries[pos].id
	}
	var out []Offering
	err := db.searchConn(ctx, func(conn *sql.Conn) (err error) {
		out, err = offeringsByID(ctx, conn, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	// An offering deleted or withdrawn since the index was built (a search
	// answered from the previous index while the next is built) is left
	// out: withdrawal takes effect at once, everywhere.
	return slices.DeleteFunc(out, func(o Offering) bool { return o.ID == 0 || !o.Active }), nil
}
