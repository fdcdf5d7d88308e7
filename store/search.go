package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
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
	noVocab atomic.Bool // fts5vocab is unavailable: rank with bm25()
	mu      sync.Mutex
	index   *catalogueIndex
	results map[string]SearchResult // keyed by normalised params; reset with the index
	matches map[string][]match      // FTS matches by query text; reset with the index
	flights map[string]*ftsFlight   // matches being computed, by query text
	// What the caches hold, against matchCacheBudget and resultCacheBudget.
	matchCount, resultOfferings int
}

type match struct {
	pos  int32
	rank float64 // bm25: lower is better
}

const searchCacheSize = 512

func (db *DB) catalogueIndex(ctx context.Context) (*catalogueIndex, error) {
	v, err := db.CatalogueVersion(ctx)
	if err != nil {
		return nil, err
	}
	c := &db.search
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.index != nil && c.index.version == v {
		return c.index, nil
	}
	idx, err := db.buildIndex(ctx)
	if err != nil {
		return nil, err
	}
	c.index = idx
	c.results = map[string]SearchResult{}
	c.matches = map[string][]match{}
	c.matchCount, c.resultOfferings = 0, 0
	return idx, nil
}

func (db *DB) buildIndex(ctx context.Context) (*catalogueIndex, error) {
	idx := &catalogueIndex{}
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
		return loadFTSStats(ctx, tx, idx)
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
	matchCacheBudget  = 1 << 19 // matches (16 bytes each) held in the match cache
	resultCacheBudget = 10000   // offerings held in cached results
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
	m    []match
	err  error
}

// ftsMatches returns the active offerings matching an FTS5 query in
// relevance order (bm25, then name order), cached per query until the
// catalogue changes.
func (db *DB) ftsMatches(ctx context.Context, idx *catalogueIndex, q string) ([]match, error) {
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
func (db *DB) computeMatches(ctx context.Context, idx *catalogueIndex, q string) ([]match, error) {
	select {
	case ftsSlots <- struct{}{}:
		defer func() { <-ftsSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	words, vocab := ftsPrefixes(q)
	vocab = vocab && idx.fts != nil && !db.search.noVocab.Load()
	if vocab && len(words) > 1 {
		// Every term must match: when few offerings match them all, bm25()
		// on those few is cheaper than reading every term's instances.
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT rowid FROM offerings_fts
			WHERE offerings_fts MATCH ? LIMIT ?)`, q, bm25MaxRows+1).Scan(&n); err != nil {
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
	return m, nil
}

// bm25Matches runs the query in FTS5 and ranks every match with its bm25().
// It is exact for any query but slow for one matching most of the
// catalogue: bm25() looks up each matching row's size in the docsize table.
func (db *DB) bm25Matches(ctx context.Context, idx *catalogueIndex, q string) ([]match, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT rowid, bm25(offerings_fts, 10.0, 4.0, 1.0, 3.0, 3.0)
		FROM offerings_fts WHERE offerings_fts MATCH ?`, q)
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
	for d := range 12 { // 4 bytes of position (the secondary key), then 8 of rank
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
}

// vocabTable is a per-connection fts5vocab table listing every token
// instance in offerings_fts: (term, doc, col, offset).
const vocabTable = "temp.offerings_fts_instance"

// vocabColumn maps an fts5vocab column name to its index in ftsColumns.
var vocabColumn = func() string {
	var b strings.Builder
	b.WriteString("CASE col")
	for i, c := range ftsColumns {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", c.name, i)
	}
	b.WriteString(" ELSE 7 END")
	return b.String()
}()

// vocabExactSQL and vocabRangeSQL list the instances of one term, or of the
// terms in [?1, ?2), as one string of doc*8 + column index, comma
// separated. (One term is the fastest lookup fts5vocab has.)
var (
	vocabExactSQL = "SELECT group_concat(doc * 8 + " + vocabColumn + ") FROM " + vocabTable + " WHERE term = ?1"
	vocabRangeSQL = "SELECT group_concat(doc * 8 + " + vocabColumn + ") FROM " + vocabTable + " WHERE term >= ?1 AND term < ?2"
)

// prefixRanges splits the terms starting with prefix into the prefix itself
// and ranges of longer terms, split by their next character when the
// prefix is short (so that the most common ones can be read in parallel).
// Terms of ASCII words are lowercase letters and digits; other terms have
// bytes 0x80 and up.
func prefixRanges(prefix string) (ranges [][2]string) {
	ranges = append(ranges, [2]string{prefix, ""}) // exactly the prefix
	end := prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
	if len(prefix) > 2 {
		return append(ranges, [2]string{prefix + "\x01", end})
	}
	for _, cut := range []string{"\x01", "d", "h", "m", "r", "u"} {
		ranges = append(ranges, [2]string{prefix + cut, ""})
	}
	for i := 1; i < len(ranges); i++ {
		if i+1 < len(ranges) {
			ranges[i][1] = ranges[i+1][0]
		} else {
			ranges[i][1] = end
		}
	}
	return ranges
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
	k1, b := 1.2, 0.75
	st := idx.fts
	freq := make([]float64, len(idx.entries)) // f_i by index position; zero when absent
	var cand []int32                          // positions matching every phrase so far
	var score []float64                       // by cand
	var touched []int32
	for i, w := range words {
		texts, ok, err := db.vocabScan(ctx, prefixRanges(w))
		if err != nil || !ok {
			return nil, false, err
		}
		touched = touched[:0]
		var withdrawn map[int64]bool
		for _, s := range texts {
			for len(s) > 0 {
				var v int64
				j := 0
				for ; j < len(s) && s[j] != ','; j++ {
					c := s[j] - '0'
					if c > 9 {
						return nil, false, fmt.Errorf("fts5vocab instance list: unexpected %q", s[j])
					}
					v = v*10 + int64(c)
				}
				if j == 0 || v&7 >= int64(len(ftsColumns)) {
					return nil, false, fmt.Errorf("fts5vocab instance list: unexpected value %d", v)
				}
				s = s[min(j+1, len(s)):]
				doc, col := v>>3, v&7
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
				freq[pos] += ftsColumns[col].weight
			}
		}
		nHit := int64(len(touched) + len(withdrawn))
		var idf float64
		if err := db.r.QueryRowContext(ctx, "SELECT ln(?)", (float64(st.rows-nHit)+0.5)/(float64(nHit)+0.5)).Scan(&idf); err != nil {
			return nil, false, err // SQLite's ln is the C library log() that bm25 uses: ranks match exactly
		}
		if idf <= 0 {
			idf = 1e-6
		}
		if i == 0 {
			cand = slices.Clone(touched)
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
			f, d := freq[pos], float64(idx.entries[pos].tokens)
			score[j] += idf * ((f * (k1 + 1)) / (f + k1*(1-b+b*d/st.avgdl)))
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

// vocabScan reads the instance lists of the term ranges (a range with no
// end is one term), up to GOMAXPROCS at a time on separate connections.
// ok is false when fts5vocab is unavailable.
func (db *DB) vocabScan(ctx context.Context, ranges [][2]string) (texts []string, ok bool, err error) {
	texts = make([]string, len(ranges))
	errs := make([]error, len(ranges))
	next := make(chan int, len(ranges))
	for i := range ranges {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(len(ranges), max(1, runtime.GOMAXPROCS(0))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if errs[i] = ctx.Err(); errs[i] == nil {
					texts[i], errs[i] = db.vocabRange(ctx, ranges[i])
				}
			}
		}()
	}
	wg.Wait()
	if db.search.noVocab.Load() {
		return nil, false, nil
	}
	return texts, true, errors.Join(errs...)
}

// vocabRange runs one vocab query on a connection of its own, creating the
// connection's vocab table on first use.
func (db *DB) vocabRange(ctx context.Context, r [2]string) (string, error) {
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	query, args := vocabRangeSQL, []any{r[0], r[1]}
	if r[1] == "" {
		query, args = vocabExactSQL, args[:1]
	}
	var text sql.NullString
	err = conn.QueryRowContext(ctx, query, args...).Scan(&text)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		if err := createVocabTable(ctx, conn); err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			db.search.noVocab.Store(true)
			return "", nil
		}
		err = conn.QueryRowContext(ctx, query, args...).Scan(&text)
	}
	return text.String, err
}

// createVocabTable creates vocabTable on a reader connection, lifting its
// query_only setting for the one statement (the table lives in the
// connection's own temp schema; the database file is not written).
func createVocabTable(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, "CREATE VIRTUAL TABLE IF NOT EXISTS "+vocabTable+" USING fts5vocab(main, offerings_fts, instance)")
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = 1"); rerr != nil {
		// Never hand a writable reader back to the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return rerr
	}
	return err
}

// loadFTSStats reads the FTS5 statistics and every offering's token count
// into idx.fts and the entries; on anything unexpected it leaves idx.fts nil
// and search ranks with bm25() instead.
func loadFTSStats(ctx context.Context, tx *sql.Tx, idx *catalogueIndex) error {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info('offerings_fts') ORDER BY cid")
	if err != nil {
		return err
	}
	var cols []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(cols) != len(ftsColumns) {
		return nil
	}
	for i, c := range ftsColumns {
		if cols[i] != c.name {
			return nil
		}
	}
	// The averages record: the row count, then each column's total tokens.
	var avg []byte
	if err := tx.QueryRowContext(ctx, "SELECT block FROM offerings_fts_data WHERE id = 1").Scan(&avg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	nRow, n := sqliteVarint(avg)
	if n == 0 || nRow == 0 {
		return nil
	}
	avg = avg[n:]
	var total uint64
	for range ftsColumns {
		v, n := sqliteVarint(avg)
		if n == 0 {
			return nil
		}
		total += v
		avg = avg[n:]
	}
	// Each row's size: a varint of tokens per column.
	rows, err = tx.QueryContext(ctx, "SELECT id, sz FROM offerings_fts_docsize")
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id int64
		var sz []byte
		if err := rows.Scan(&id, &sz); err != nil {
			return err
		}
		pos, ok := idx.pos(id)
		if !ok {
			continue
		}
		var d uint64
		for len(sz) > 0 {
			v, n := sqliteVarint(sz)
			if n == 0 {
				return nil
			}
			d += v
			sz = sz[n:]
		}
		idx.entries[pos].tokens = int32(d)
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if seen != len(idx.entries) {
		return nil
	}
	idx.fts = &ftsStats{rows: int64(nRow), avgdl: float64(int64(total)) / float64(int64(nRow))}
	return nil
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

// ResetSearchCache forgets cached search results and FTS matches (not the
// catalogue index), so that benchmarks can time uncached searches.
func (db *DB) ResetSearchCache() {
	c := &db.search
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.results)
	clear(c.matches)
	c.matchCount, c.resultOfferings = 0, 0
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
	idx, err := db.catalogueIndex(ctx)
	if err != nil {
		return SearchResult{}, err
	}
	key := p.key()
	db.search.mu.Lock()
	res, ok := db.search.results[key]
	ok = ok && db.search.index == idx
	db.search.mu.Unlock()
	if ok {
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
	ok = ok && db.search.index == idx
	db.search.mu.Unlock()
	if ok {
		return res, nil
	}

	var matches []match
	if q != "" {
		if matches, err = db.ftsMatches(ctx, idx, q); err != nil {
			return SearchResult{}, err
		}
	}
	positions, facets := idx.filter(p, q != "", matches)
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
	c := &db.search
	c.mu.Lock()
	if n := len(res.Offerings); c.index == idx && n <= resultCacheBudget/4 { // not whole-catalogue CSV exports
		if len(c.results) >= searchCacheSize || c.resultOfferings+n > resultCacheBudget {
			clear(c.results)
			c.resultOfferings = 0
		}
		c.results[key] = res
		c.resultOfferings += n
	}
	c.mu.Unlock()
	return res, nil
}

// filter applies every filter, counts facets, and returns the matching
// entry positions in the requested order.
func (idx *catalogueIndex) filter(p SearchParams, hasQuery bool, matches []match) ([]int32, Facets) {
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

	// Candidates in result order.
	var order []int32
	switch {
	case hasQuery && p.Sort == SortRelevance:
		order = make([]int32, len(matches))
		for i, m := range matches {
			order[i] = m.pos
		}
	case hasQuery:
		inMatch := make([]bool, len(idx.entries))
		for _, m := range matches {
			inMatch[m.pos] = true
		}
		base := idx.byName
		if p.Sort == SortPriceAsc || p.Sort == SortPriceDesc {
			base = idx.byPrice
		}
		order = make([]int32, 0, len(matches))
		for _, pos := range base {
			if inMatch[pos] {
				order = append(order, pos)
			}
		}
	case p.Sort == SortPriceAsc || p.Sort == SortPriceDesc:
		order = idx.byPrice
	default:
		order = idx.byName
	}

	out := make([]int32, 0, min(len(order), 1024))
	for _, pos := range order {
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
			out = append(out, pos)
		}
		if !failSup && !failTerm && !failTrial {
			catCount[e.category]++
		}
		if !failCat && !failTerm && !failTrial {
			supCount[e.supplier]++
		}
		if !failCat && !failSup && !failTrial {
			for b := range idx.terms {
				if e.terms&(1<<uint(b)) != 0 {
					termCount[b]++
				}
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
	ids := make([]any, len(positions))
	order := make(map[int64]int, len(positions))
	for i, pos := range positions {
		id := idx.entries[pos].id
		ids[i] = id
		order[id] = i
	}
	out := make([]Offering, len(positions))
	// Chunk to stay under SQLite's parameter limit for CSV exports.
	for start := 0; start < len(ids); start += 5000 {
		chunk := ids[start:min(start+5000, len(ids))]
		rows, err := db.r.QueryContext(ctx, "SELECT "+offeringColumns+offeringFrom+
			" WHERE o.id IN (?"+strings.Repeat(",?", len(chunk)-1)+")", chunk...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			o, err := scanOffering(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[order[o.ID]] = o
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
