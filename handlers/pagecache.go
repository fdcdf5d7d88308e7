package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"portal/store"
)

// PageCache is the response cache for anonymous GET pages (routes declared
// with publicGET). It keys each page on its canonical URL, holds the page
// gzipped (compressed once, when stored) and as rendered for clients that
// take no gzip (decompressed once, when first asked for), and keeps it while the
// data versions the page depends on are unchanged. It is bounded in bytes
// and evicts the least recently used page first. When many requests miss
// the same page at once, one renders it and the others wait for it.
//
// Its ETags are derived from the same inputs (the canonical URL and the
// versions of the page's data), so a revalidation is answered 304 without
// rendering even when the page is not held.
type PageCache struct {
	maxBytes int64
	// epoch makes ETags differ between runs of the portal: a new build may
	// render the same data differently.
	epoch uint64

	mu      sync.Mutex
	entries map[string]*pageEntry
	// The LRU list: head is the most recently used entry.
	head, tail *pageEntry
	bytes      int64
	flights    map[string]*pageFlight

	hits, notModified, misses, evictions atomic.Uint64
}

// DefaultPageCacheBytes bounds the response cache when no size is given.
const DefaultPageCacheBytes = 8 << 20

// NewPageCache returns an empty response cache holding at most maxBytes of
// pages (bodies, compressed bodies and keys).
func NewPageCache(maxBytes int64) *PageCache {
	var b [8]byte
	rand.Read(b[:])
	return &PageCache{maxBytes: maxBytes, epoch: binary.LittleEndian.Uint64(b[:]),
		entries: map[string]*pageEntry{}, flights: map[string]*pageFlight{}}
}

// PageCacheStats are the response cache's counters since it was made (the
// metrics in collectors): every public request of a visitor is one of a
// hit, a 304 or a miss, so the share served without rendering is
// (Hits + NotModified) / (Hits + NotModified + Misses).
type PageCacheStats struct {
	Hits        uint64 // answered 200 from a stored page
	NotModified uint64 // answered 304, from a stored page or from the ETag's inputs
	Misses      uint64 // rendered to fill the cache
	Evictions   uint64 // pages dropped to stay within the size bound
	Entries     int    // pages held now (some may be out of date)
	Bytes       int64  // bytes held now
}

// Stats returns the counters.
func (pc *PageCache) Stats() PageCacheStats {
	pc.mu.Lock()
	n, b := len(pc.entries), pc.bytes
	pc.mu.Unlock()
	return PageCacheStats{Hits: pc.hits.Load(), NotModified: pc.notModified.Load(), Misses: pc.misses.Load(),
		Evictions: pc.evictions.Load(), Entries: n, Bytes: b}
}

// pageEntry is one stored page.
type pageEntry struct {
	key      string
	deps     []store.DataSet
	versions store.Versions // when it was rendered
	// gzip is nil when the page is too small to compress. A page that is
	// compressed is held as sent to identity clients only once one asks
	// for it: most clients take gzip, so the cache's bytes go to them.
	identity atomic.Pointer[pageVariant]
	gzip     *pageVariant
	size     int64 // guarded by PageCache.mu
	// prev and next link the LRU list.
	prev, next *pageEntry
}

// pageVariant is a stored body in one content encoding with its header
// values, made once so that a hit allocates nothing for them.
type pageVariant struct {
	body          []byte
	etag          string
	etagHeader    []string
	lengthHeader  []string
	contentCoding []string // nil for identity
}

// pageFlight is one render of a page that other requests for it wait for.
type pageFlight struct {
	done    chan struct{}
	entry   *pageEntry   // nil when the render did not give a page to store
	waiters atomic.Int32 // requests waiting for it (tests watch this)
}

// pageFill receives a page rendered to fill the cache (writeHTML hands it
// over instead of writing it).
type pageFill struct {
	done   bool
	status int
	body   []byte
	// notCurrent is set by a handler whose page shows data older than
	// the versions it would be stored under (dontStore).
	notCurrent bool
}

// dontStore keeps the page being rendered out of the response cache: it is
// sent, but stored (and tagged) under the current data versions it would
// outlive them, as a search answered from the previous index while the
// next is built would.
func dontStore(c echo.Context) {
	if f, ok := c.Get(ctxFill).(*pageFill); ok {
		f.notCurrent = true
	}
}

// ctxFill holds the *pageFill while a page is rendered for the cache.
const ctxFill = "pagecache.fill"

// Shared header values for stored pages.
var (
	hdrHTML             = []string{echo.MIMETextHTMLCharsetUTF8}
	hdrGzip             = []string{"gzip"}
	hdrVary             = []string{varyPage}
	hdrPublicRevalidate = []string{cacheControlPublic}
)

// The Cache-Control policies (README, "HTTP caching").
const (
	// cacheControlPublic is for anonymous pages from the cache: any cache
	// may keep them but must revalidate every time (a price must never be
	// shown stale), which costs a 304 and no rendering.
	cacheControlPublic = "public, no-cache"
	// cacheControlPrivate is for signed-in pages and any answer that sets
	// or expires a cookie: kept by no cache, not even the browser's.
	cacheControlPrivate = "private, no-store"
	// cacheControlNone is for other anonymous answers (error pages): not
	// stored, so a transient error or a page about to exist is never kept.
	cacheControlNone = "no-store"
	// varyPage: pages differ by encoding, and by session (signed-in pages
	// show the person's name, baskets and prices).
	varyPage = "Accept-Encoding, Cookie"
)

// etag is a page's strong ETag for its canonical URL key and data versions,
// the same whether or not the page is held. Each content encoding has its
// own (the gzip one ends "-gz").
func (pc *PageCache) etag(key string, deps []store.DataSet, v store.Versions, gz bool) string {
	// FNV-1a over the epoch, the key and the page's data versions.
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	mix := func(x uint64) {
		for range 8 {
			h = (h ^ (x & 0xff)) * prime
			x >>= 8
		}
	}
	mix(pc.epoch)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * prime
	}
	for _, d := range deps {
		mix(uint64(d))
		mix(uint64(v[d]))
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], h)
	tag := `"` + hex.EncodeToString(b[:])
	if gz {
		return tag + `-gz"`
	}
	return tag + `"`
}

// current reports whether the entry was rendered from the data versions v.
func (e *pageEntry) current(v store.Versions) bool {
	for _, d := range e.deps {
		if e.versions[d] != v[d] {
			return false
		}
	}
	return true
}

// get returns the entry for key if it was rendered from the data versions
// v, and makes it the most recently used.
func (pc *PageCache) get(key string, v store.Versions) *pageEntry {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e := pc.entries[key]
	if e == nil {
		return nil
	}
	if !e.current(v) {
		pc.remove(e) // out of date: it would only take room
		return nil
	}
	pc.moveToFront(e)
	return e
}

// join returns the flight filling key, starting it (leader true: the caller
// must render and finish it) if there is none.
func (pc *PageCache) join(key string) (fl *pageFlight, leader bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if fl := pc.flights[key]; fl != nil {
		return fl, false
	}
	fl = &pageFlight{done: make(chan struct{})}
	pc.flights[key] = fl
	return fl, true
}

// finish ends a flight, storing its entry (if any) and waking its waiters.
func (pc *PageCache) finish(key string, fl *pageFlight, e *pageEntry) {
	pc.mu.Lock()
	delete(pc.flights, key)
	if e != nil && e.size <= pc.maxBytes {
		if old := pc.entries[key]; old != nil {
			pc.remove(old)
		}
		pc.entries[key] = e
		pc.pushFront(e)
		pc.bytes += e.size
		pc.evictOver()
	}
	fl.entry = e
	pc.mu.Unlock()
	close(fl.done)
}

// evictOver drops least recently used entries until the cache is within
// its bound.
func (pc *PageCache) evictOver() {
	for pc.bytes > pc.maxBytes && pc.tail != nil {
		pc.remove(pc.tail)
		pc.evictions.Add(1)
	}
}

func (pc *PageCache) pushFront(e *pageEntry) {
	e.prev, e.next = nil, pc.head
	if pc.head != nil {
		pc.head.prev = e
	}
	pc.head = e
	if pc.tail == nil {
		pc.tail = e
	}
}

func (pc *PageCache) unlink(e *pageEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		pc.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		pc.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (pc *PageCache) moveToFront(e *pageEntry) {
	if pc.head != e {
		pc.unlink(e)
		pc.pushFront(e)
	}
}

func (pc *PageCache) remove(e *pageEntry) {
	pc.unlink(e)
	delete(pc.entries, e.key)
	pc.bytes -= e.size
}

// newEntry makes the entry for a rendered page, compressing it once; it
// keeps the page as rendered too when it is too small to compress or
// keepIdentity asks (the client it is rendered for takes no gzip).
func (pc *PageCache) newEntry(key string, deps []store.DataSet, v store.Versions, body []byte, keepIdentity bool) *pageEntry {
	// The key, plus the entry and its header values.
	e := &pageEntry{key: key, deps: deps, versions: v, size: int64(len(key)) + 300}
	if len(body) > gzipMinSize {
		gz := pc.variant(key, deps, v, gzipBytes(body), true)
		e.gzip = &gz
		e.size += variantSize(&gz)
	}
	if e.gzip == nil || keepIdentity {
		id := pc.variant(key, deps, v, body, false)
		e.identity.Store(&id)
		e.size += variantSize(&id)
	}
	return e
}

// variantSize is what a variant adds to its entry's size.
func variantSize(pv *pageVariant) int64 { return int64(len(pv.body)) + 100 }

func (pc *PageCache) variant(key string, deps []store.DataSet, v store.Versions, body []byte, gz bool) pageVariant {
	tag := pc.etag(key, deps, v, gz)
	pv := pageVariant{body: body, etag: tag, etagHeader: []string{tag}, lengthHeader: []string{strconv.Itoa(len(body))}}
	if gz {
		pv.contentCoding = hdrGzip
	}
	return pv
}

// variantFor returns the body to send to a client that takes gzip or not.
// For an identity client of a page held only gzipped, it decompresses the
// page once and holds that too (concurrent first askers may each
// decompress; one result is kept).
func (pc *PageCache) variantFor(e *pageEntry, gz bool) (*pageVariant, error) {
	if gz && e.gzip != nil {
		return e.gzip, nil
	}
	if id := e.identity.Load(); id != nil {
		return id, nil
	}
	body, err := gunzipBytes(e.gzip.body)
	if err != nil {
		return nil, err
	}
	id := pc.variant(e.key, e.deps, e.versions, body, false)
	if !e.identity.CompareAndSwap(nil, &id) {
		return e.identity.Load(), nil
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e.size += variantSize(&id)
	if pc.entries[e.key] == e {
		pc.bytes += variantSize(&id)
		pc.evictOver()
	}
	return &id, nil
}

// write sends the stored page, or 304 when the client holds it already.
func (pc *PageCache) write(c echo.Context, e *pageEntry, gz bool) error {
	pv, err := pc.variantFor(e, gz)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h["Etag"] = pv.etagHeader
	h["Cache-Control"] = hdrPublicRevalidate
	h["Vary"] = hdrVary
	if etagMatches(c.Request().Header["If-None-Match"], pv.etag) {
		pc.notModified.Add(1)
		c.Response().WriteHeader(http.StatusNotModified)
		return nil
	}
	pc.hits.Add(1)
	h["Content-Type"] = hdrHTML
	h["Content-Length"] = pv.lengthHeader
	if pv.contentCoding != nil {
		h["Content-Encoding"] = pv.contentCoding
	}
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(pv.body)
	return err
}

// notModifiedWithout answers 304 for a page that is not held, when the client's
// copy has the ETag the page would have now.
func (pc *PageCache) notModifiedWithout(c echo.Context, tag string) error {
	pc.notModified.Add(1)
	h := c.Response().Header()
	h["Etag"] = []string{tag}
	h["Cache-Control"] = hdrPublicRevalidate
	h["Vary"] = hdrVary
	c.Response().WriteHeader(http.StatusNotModified)
	return nil
}

// serve answers an anonymous request for the page with the canonical URL
// key, which shows the data sets deps: from the cache, with 304 when the
// client's copy is current, or by rendering it (render is the handler) and
// storing a 200 page. v are the data versions, read before anything renders.
func (pc *PageCache) serve(c echo.Context, key string, deps []store.DataSet, v store.Versions, render echo.HandlerFunc) error {
	r := c.Request()
	gz := acceptsGzip(r)
	if e := pc.get(key, v); e != nil {
		return pc.write(c, e, gz)
	}
	// Not held: the client's copy may still be current. (Every cached page
	// is big enough to compress, so a gzip client holds the "-gz" tag; if
	// not, the page is rendered and the stored entry answers 304.)
	if inm := r.Header["If-None-Match"]; len(inm) > 0 {
		if tag := pc.etag(key, deps, v, gz); etagMatches(inm, tag) {
			return pc.notModifiedWithout(c, tag)
		}
	}
	fl, leader := pc.join(key)
	if !leader {
		fl.waiters.Add(1)
		select {
		case <-fl.done:
		case <-r.Context().Done():
			return r.Context().Err()
		}
		if e := fl.entry; e != nil && e.current(v) {
			return pc.write(c, e, gz)
		}
		// The leader got no page to share (an error, say): render our own.
		c.Response().Before(func() { privateIfCookie(c.Response().Header()) })
		return render(c)
	}
	pc.misses.Add(1)
	c.Response().Before(func() { privateIfCookie(c.Response().Header()) })
	finished := false
	end := func(e *pageEntry) {
		finished = true
		pc.finish(key, fl, e)
	}
	fill := &pageFill{}
	c.Set(ctxFill, fill)
	defer func() {
		if !finished { // the render panicked: let the error page out, and never leave the waiters waiting
			c.Set(ctxFill, nil)
			pc.finish(key, fl, nil)
		}
	}()
	err := render(c)
	c.Set(ctxFill, nil)
	if err != nil || !fill.done {
		end(nil)
		return err // the error handler renders it, outside the cache
	}
	if fill.status != http.StatusOK || fill.notCurrent || len(c.Response().Header()["Set-Cookie"]) > 0 {
		end(nil)
		return writeHTML(c, fill.status, fill.body)
	}
	e := pc.newEntry(key, deps, v, fill.body, !gz)
	end(e) // before writing: the waiters need not wait for this client
	return pc.write(c, e, gz)
}

// etagMatches is If-None-Match's weak comparison of the listed tags (or
// "*") against tag.
func etagMatches(header []string, tag string) bool {
	for _, line := range header {
		for line != "" {
			var t string
			t, line, _ = strings.Cut(line, ",")
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == tag {
				return true
			}
		}
	}
	return false
}

// gunzipBytes is the body of a page held only compressed.
func gunzipBytes(gz []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// collectors are the cache's Prometheus series, read at scrape time.
func (pc *PageCache) collectors() []prometheus.Collector {
	requests := func(result string, f func(PageCacheStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "portal_page_cache_requests_total",
			Help:        "Visitors' requests for public pages: answered from the response cache (result=hit), 304 without rendering (result=not_modified), or rendered (result=miss).",
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 { return float64(f(pc.Stats())) })
	}
	return []prometheus.Collector{
		requests("hit", func(s PageCacheStats) uint64 { return s.Hits }),
		requests("not_modified", func(s PageCacheStats) uint64 { return s.NotModified }),
		requests("miss", func(s PageCacheStats) uint64 { return s.Misses }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "portal_page_cache_evictions_total",
			Help: "Pages the response cache dropped to stay within -page-cache-mb.",
		}, func() float64 { return float64(pc.Stats().Evictions) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "portal_page_cache_bytes",
			Help: "Bytes the response cache holds.",
		}, func() float64 { return float64(pc.Stats().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "portal_page_cache_pages",
			Help: "Pages the response cache holds.",
		}, func() float64 { return float64(pc.Stats().Entries) }),
	}
}
