package store

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strings"
)

// Precomputed postings for the most frequent terms.
//
// prefixMatches reads a word's instances from the fts5vocab instance table
// at query time. That costs in proportion to the instances: ~40 ms for
// `and` (226 000 instances in 95% of 100 000 offerings), most of an
// uncached search. A few terms hold much of the instances (at 100 000
// offerings the 24 terms with at least rows/2 instances hold 2.2 of 5.3
// million), so the catalogue index reads those terms once when it is
// built, per catalogue version, and keeps what bm25 needs of them: for
// each row, f, the sum of the column weights over the term's instances in
// it. Queries then take those terms from here and read only the rest of a
// prefix's terms from the vocab table (prefixJobs). Rarer terms are cheap
// to read at query time, and each term here costs 2 bytes per row.
//
// Ranks stay bit-identical: the column weights are whole numbers, so f is a
// whole number, exact in a uint16 and in the float64 sum however it is
// added up, and bm25 is computed from it as before. This is not a result
// cache: it depends only on the catalogue, like the document lengths, and
// every query still combines, ranks and sorts its matches.

// termPostings are one term's bm25 frequencies.
type termPostings struct {
	term string
	// freq is f for the term by FTS row id (offering id, dense in practice:
	// see readPostings), 0 if absent. Rows of withdrawn offerings are here
	// too, as bm25 counts them in nHit; they are not in the catalogue index.
	freq []uint16
}

const (
	// postingsShare: a term gets postings if it has at least rows/postingsShare instances.
	postingsShare = 2
	// postingsBudget bounds the postings' memory (2 bytes per row per term):
	// 26 terms at 200 000 offerings; at 100 000 all 24 eligible take 4.8 MB.
	postingsBudget = 10 << 20
)

// postingsWeights are the column weights as whole numbers, indexed like
// vocabWeight; ok is false if some weight is not a whole number in 1..255,
// when f could be inexact or absent: then nothing gets postings.
var postingsWeights, postingsWeightsOK = func() (w [16]uint16, ok bool) {
	for i, f := range vocabWeight {
		if f == 0 {
			continue
		}
		if f != math.Trunc(f) || f < 1 || f > 255 {
			return w, false
		}
		w[i] = uint16(f)
	}
	return w, true
}()

// readPostings reads the postings of the most frequent terms, in term
// order, in buildIndex's read transaction (at 100 000 offerings, about as
// long as the rest of the build: 0.8 s each on one CPU).
//
// The terms are those with the most instances, found in the fts5vocab row
// table (migration 0001; one pass over the index's terms; a database
// without it gets none), within postingsBudget. A term whose f overflows a
// uint16 is left out; if row ids are too sparse for a slice, all are.
func readPostings(ctx context.Context, tx *sql.Tx) ([]termPostings, error) {
	if !postingsWeightsOK {
		return nil, nil
	}
	var exists, rows, minID, maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM sqlite_schema WHERE name = 'offerings_fts_row'),
		count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM offerings_fts_docsize`).Scan(&exists, &rows, &minID, &maxID); err != nil {
		return nil, err
	}
	if exists == 0 || rows == 0 || minID < 0 || maxID >= 2*rows+1024 {
		return nil, nil
	}
	list, err := tx.QueryContext(ctx, "SELECT term FROM offerings_fts_row WHERE cnt >= ? ORDER BY cnt DESC, term", max(1, rows/postingsShare))
	if err != nil {
		return nil, err
	}
	var terms []string
	for list.Next() && int64(len(terms)+1)*2*(maxID+1) <= postingsBudget {
		var term string
		if err := list.Scan(&term); err != nil {
			list.Close()
			return nil, err
		}
		terms = append(terms, term)
	}
	list.Close()
	if err := list.Err(); err != nil {
		return nil, err
	}
	var out []termPostings
	for _, term := range terms {
		var text sql.NullString
		if err := tx.QueryRowContext(ctx, vocabTermSQL, term).Scan(&text); err != nil {
			return nil, err
		}
		freq, err := termFreq(text.String, maxID)
		if err != nil {
			return nil, err
		}
		if freq != nil {
			out = append(out, termPostings{term: term, freq: freq})
		}
	}
	slices.SortFunc(out, func(a, b termPostings) int { return strings.Compare(a.term, b.term) })
	return out, nil
}

// termFreq sums one term's vocab instance list into f by row id; nil if a
// row id is out of range or an f overflows.
func termFreq(s string, maxID int64) ([]uint16, error) {
	freq := make([]uint16, maxID+1)
	for len(s) > 0 {
		v, rest, err := nextInstance(s)
		if err != nil {
			return nil, err
		}
		s = rest
		doc, w := v>>4, postingsWeights[v&15]
		if doc < 0 || doc > maxID || freq[doc] > math.MaxUint16-w {
			return nil, nil
		}
		freq[doc] += w
	}
	return freq, nil
}

// vocabTermSQL lists one term's instances as vocabExactSQL does, in all rows.
var vocabTermSQL = "SELECT group_concat(doc * 16 + " + vocabColumn + ") FROM " + vocabTable + " WHERE term = ?"

// postingsFor returns the precomputed postings of exactly term, or nil.
func (st *ftsStats) postingsFor(term string) *termPostings {
	i, ok := slices.BinarySearchFunc(st.postings, term, func(p termPostings, t string) int { return strings.Compare(p.term, t) })
	if !ok {
		return nil
	}
	return &st.postings[i]
}

// postingsIn returns the precomputed postings of the terms in [start, end).
func (st *ftsStats) postingsIn(start, end string) []termPostings {
	cmp := func(p termPostings, t string) int { return strings.Compare(p.term, t) }
	lo, _ := slices.BinarySearchFunc(st.postings, start, cmp)
	hi, _ := slices.BinarySearchFunc(st.postings, end, cmp)
	return st.postings[lo:max(lo, hi)]
}
