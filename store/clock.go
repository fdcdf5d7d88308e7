package store

import (
	"sync"
	"time"
)

// Clock tells the time and wakes whoever waits on it. Business rules read
// the time through DB.Now; the sweeper is woken by a Clock. The portal runs
// on SystemClock; tests use a ManualClock for both (DB.Now = clock.Now), so
// time-based rules are tested without sleeping. Session expiry always uses
// the wall clock.
type Clock interface {
	Now() time.Time
	// At returns a channel that receives once the clock reaches t, and a
	// function that stops the wait.
	At(t time.Time) (<-chan time.Time, func())
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// At waits with a timer.
func (SystemClock) At(t time.Time) (<-chan time.Time, func()) {
	timer := time.NewTimer(time.Until(t))
	return timer.C, func() { timer.Stop() }
}

// ManualClock is a clock for tests: it stands still until Set moves it, and
// tells the test, through Waits, each time someone starts waiting on it.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
	waits   chan time.Time
}

type manualWaiter struct {
	at time.Time
	ch chan time.Time
}

// NewManualClock returns a clock showing t.
func NewManualClock(t time.Time) *ManualClock {
	return &ManualClock{now: t, waits: make(chan time.Time, 64)}
}

// Now is the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// At returns a channel that receives when Set moves the clock to t or
// later (at once if it is there already), and reports the wait on Waits.
func (c *ManualClock) At(t time.Time) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, manualWaiter{t, ch})
	}
	select {
	case c.waits <- t:
	default: // nobody is listening; never block the waiter
	}
	return ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, w := range c.waiters {
			if w.ch == ch {
				c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
				break
			}
		}
	}
}

// Waits receives the time each wait asked to be woken at, as it starts:
// a test reads it to know that the sweeper has finished a run and is idle.
func (c *ManualClock) Waits() <-chan time.Time { return c.waits }

// Set moves the clock to t and wakes every wait due by then.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}
