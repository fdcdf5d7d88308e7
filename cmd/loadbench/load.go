package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what one load run measured.
type loadResult struct {
	requests int             // completed inside the measured window
	failures int             // unexpected status, body or transport error
	window   time.Duration   // the measured window
	latency  []time.Duration // of every measured request
	firstErr string
}

func (r loadResult) rps() float64 { return float64(r.requests) / r.window.Seconds() }

// merge combines runs (alternating rounds of the same target).
func merge(rs ...loadResult) loadResult {
	var out loadResult
	for _, r := range rs {
		out.requests += r.requests
		out.failures += r.failures
		out.window += r.window
		out.latency = append(out.latency, r.latency...)
		if out.firstErr == "" {
			out.firstErr = r.firstErr
		}
	}
	return out
}

// loadSpec describes a load run: conns workers each sending one request at
// a time, as fast as the server answers, for warmup (not measured) then
// duration (measured).
type loadSpec struct {
	conns            int
	warmup, duration time.Duration
	// url returns the URL for a worker's n-th request.
	url func(worker, n int) string
	// ok checks a response; nil accepts any status below 500.
	ok func(status int, body int64) bool
	// identity sends no Accept-Encoding, as a client without gzip.
	identity bool
}

// runLoad is a closed-loop HTTP load generator: a tuned Transport with a
// kept-alive connection per worker, requests sent with Accept-Encoding: gzip
// as a browser would (unless spec.identity), bodies read to the end and not
// decompressed.
func runLoad(ctx context.Context, spec loadSpec) loadResult {
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          spec.conns,
		MaxIdleConnsPerHost:   spec.conns,
		MaxConnsPerHost:       spec.conns,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true, // we send Accept-Encoding ourselves and count gzipped bytes
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	start := time.Now()
	measureFrom := start.Add(spec.warmup)
	end := measureFrom.Add(spec.duration)
	ctx, cancel := context.WithDeadline(ctx, end.Add(30*time.Second))
	defer cancel()

	var failures atomic.Int64
	var firstErr atomic.Value
	fail := func(msg string) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, msg)
	}
	lat := make([][]time.Duration, spec.conns)
	var wg sync.WaitGroup
	for w := range spec.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := make([]time.Duration, 0, 1<<14)
			for n := 0; ; n++ {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					break
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, spec.url(w, n), nil)
				if err != nil {
					fail(err.Error())
					return
				}
				if !spec.identity {
					req.Header.Set("Accept-Encoding", "gzip, deflate, br")
				}
				req.Header.Set("Accept", "text/html")
				resp, err := client.Do(req)
				if err != nil {
					fail(err.Error())
					time.Sleep(10 * time.Millisecond)
					continue
				}
				size, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				t1 := time.Now()
				good := err == nil && resp.StatusCode < 500
				if good && spec.ok != nil {
					good = spec.ok(resp.StatusCode, size)
				}
				if !good {
					fail(fmt.Sprintf("%s: status %d, %d bytes, err %v", req.URL, resp.StatusCode, size, err))
				}
				if good && !t0.Before(measureFrom) && t1.Before(end) {
					own = append(own, t1.Sub(t0))
				}
			}
			lat[w] = own
		}()
	}
	wg.Wait()
	r := loadResult{window: spec.duration, failures: int(failures.Load())}
	if e, ok := firstErr.Load().(string); ok {
		r.firstErr = e
	}
	for _, l := range lat {
		r.latency = append(r.latency, l...)
	}
	r.requests = len(r.latency)
	return r
}

// percentile returns the q-quantile (0..1) of ds by nearest rank; ds is sorted in place.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds)) + 0.999999)
	return ds[min(max(i-1, 0), len(ds)-1)]
}
