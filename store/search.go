package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
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

// SearchParams is a catalogue query; the zero value lists everything.
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
		if len(w) > 60 {
			w = w[:60]
		}
		parts = append(parts, `"`+w+`"*`)
	}
	return strings.Join(parts, " ")
}

// catalogueIndex is an in-memory snapshot of what filtering, faceting and
// sorting need for every active offering, rebuilt when the catalogue version
// changes. Text matching stays in FTS5.
type catalogueIndex struct {
	version    int64
	entries    []indexEntry
	byID       map[int64]int32 // offering id → entry position
	byName     []int32         // entry positions in name order
	byPrice    []int32         // entry positions in MoU monthly price order, then name
	categories []Category
	suppliers  []Supplier
	terms      []int // distinct term lengths, ascending; bit i of indexEntry.terms
}

type indexEntry struct {
	id       int64
	price    int64 // MoU monthly pence
	category int32 // index into categories
	supplier int32 // index into suppliers
	terms    uint64
	pov      bool
	sdwan    bool
}

type searchCache struct {
	mu      sync.Mutex
	index   *catalogueIndex
	results map[string]SearchResult // keyed by normalised params; reset with the index
	matches map[string][]match      // FTS matches by query text
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
	return idx, nil
}

func (db *DB) buildIndex(ctx context.Context) (*catalogueIndex, error) {
	idx := &catalogueIndex{byID: map[int64]int32{}}
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
		for rows.Next() {
			var e indexEntry
			var cat, sup int64
			var terms sql.NullString
			if err := rows.Scan(&e.id, &e.price, &cat, &sup, &e.pov, &e.sdwan, &terms); err != nil {
				return err
			}
			e.category, e.supplier = catPos[cat], supPos[sup]
			for _, t := range strings.Split(terms.String, ",") {
				var m int
				fmt.Sscan(t, &m)
				if b, ok := termBit[m]; ok {
					e.terms |= 1 << b
				}
			}
			pos := int32(len(idx.entries))
			idx.byID[e.id] = pos
			idx.entries = append(idx.entries, e)
			idx.byName = append(idx.byName, pos)
		}
		return rows.Err()
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

func (db *DB) ftsMatches(ctx context.Context, idx *catalogueIndex, q string) ([]match, error) {
	c := &db.search
	c.mu.Lock()
	m, ok := c.matches[q]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	// Column weights: name, summary, description, supplier, category.
	rows, err := db.r.QueryContext(ctx, `SELECT rowid, bm25(offerings_fts, 10.0, 4.0, 1.0, 3.0, 3.0)
		FROM offerings_fts WHERE offerings_fts MATCH ?`, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var rank float64
		if err := rows.Scan(&id, &rank); err != nil {
			return nil, err
		}
		if pos, ok := idx.byID[id]; ok { // withdrawn offerings are not in the index
			m = append(m, match{pos: pos, rank: rank})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(m, func(a, b match) int {
		switch {
		case a.rank < b.rank:
			return -1
		case a.rank > b.rank:
			return 1
		}
		return int(a.pos - b.pos)
	})
	c.mu.Lock()
	if len(c.matches) >= searchCacheSize {
		clear(c.matches)
	}
	c.matches[q] = m
	c.mu.Unlock()
	return m, nil
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
	db.search.mu.Unlock()
	if ok && db.search.index == idx {
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
	db.search.mu.Lock()
	if db.search.index == idx {
		if len(db.search.results) >= searchCacheSize {
			clear(db.search.results)
		}
		db.search.results[key] = res
	}
	db.search.mu.Unlock()
	return res, nil
}

// filter applies every filter, counts facets, and returns the matching
// entry positions in the requested order.
func (idx *catalogueIndex) filter(p SearchParams, hasQuery bool, matches []match) ([]int32, Facets) {
	wantCat := make([]bool, len(idx.categories))
	anyCat := false
	for i, c := range idx.categories {
		if slices.Contains(p.Categories, c.Slug) {
			wantCat[i], anyCat = true, true
		}
	}
	wantSup := make([]bool, len(idx.suppliers))
	anySup := false
	for i, s := range idx.suppliers {
		if slices.Contains(p.Suppliers, s.Slug) {
			wantSup[i], anySup = true, true
		}
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
		f.Terms = append(f.Terms, FacetValue{Value: fmt.Sprint(t), Label: fmt.Sprintf("%d months", t), Count: termCount[i], Selected: p.Term == t})
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
