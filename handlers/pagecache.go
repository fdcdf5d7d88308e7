package handlers

import "sync"

// pageCache holds rendered anonymous catalogue pages keyed by URL, valid for
// one catalogue version: any catalogue write bumps the version and so
// empties the cache. Pages big enough to be sent compressed are kept only
// gzipped (a fifth of the size; the rare client without gzip gets them
// decompressed), and the cache is bounded in bytes as well as entries.
type pageCache struct {
	mu      sync.RWMutex
	version int64
	entries map[string]cachedPage
	bytes   int
}

// cachedPage is a page as writeHTML sends it: body holds a page too small
// to compress, gzip the compressed form of a larger one (body is then nil).
type cachedPage struct {
	status int
	body   []byte
	gzip   []byte
}

const (
	pageCacheMax   = 2000
	pageCacheBytes = 16 << 20
)

func newPageCache() *pageCache { return &pageCache{entries: map[string]cachedPage{}} }

func (pc *pageCache) get(version int64, key string) (cachedPage, bool) {
	pc.mu.RLock()
	defer pc.mu.RUnlock()
	if pc.version != version {
		return cachedPage{}, false
	}
	e, ok := pc.entries[key]
	return e, ok
}

// put caches a rendered page and returns the entry; its gzip is the
// compressed body when the body is big enough to be sent compressed.
func (pc *pageCache) put(version int64, key string, status int, body []byte) cachedPage {
	e := cachedPage{status: status, body: body}
	if len(body) > gzipMinSize {
		e.body, e.gzip = nil, gzipBytes(body)
	}
	size := len(key) + len(e.body) + len(e.gzip)
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.version != version {
		if version < pc.version {
			return e // a slower request that read an older catalogue
		}
		pc.version = version
		clear(pc.entries)
		pc.bytes = 0
	}
	if len(pc.entries) >= pageCacheMax || pc.bytes+size > pageCacheBytes {
		clear(pc.entries)
		pc.bytes = 0
	}
	if old, ok := pc.entries[key]; ok {
		pc.bytes -= len(key) + len(old.body) + len(old.gzip)
	}
	pc.entries[key] = e
	pc.bytes += size
	return e
}
