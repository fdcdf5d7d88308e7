package handlers

import "sync"

// pageCache holds rendered anonymous catalogue pages keyed by URL, valid for
// one catalogue version: any catalogue write bumps the version and so
// empties the cache.
type pageCache struct {
	mu      sync.RWMutex
	version int64
	entries map[string]cachedPage
}

type cachedPage struct {
	status int
	body   []byte
	gzip   []byte
}

const pageCacheMax = 2000

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

func (pc *pageCache) put(version int64, key string, status int, body []byte) cachedPage {
	e := cachedPage{status: status, body: body, gzip: gzipBytes(body)}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.version != version {
		if version < pc.version {
			return e // a slower request that read an older catalogue
		}
		pc.version = version
		clear(pc.entries)
	}
	if len(pc.entries) >= pageCacheMax {
		clear(pc.entries)
	}
	pc.entries[key] = e
	return e
}
