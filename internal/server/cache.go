package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// cache keeps what a snapshot's pages computed, by key (the page, its
// window and parameters): the lake behind a snapshot never changes, so
// neither do the results. Each key is computed once however many
// requests ask at the same time.
type cache struct {
	mu      sync.Mutex
	entries map[string]*entry
	order   []string // keys, oldest first, for eviction
	running int      // background computations not finished
}

type entry struct {
	done    chan struct{}
	val     any
	err     error
	started time.Time
	took    time.Duration
	note    atomic.Pointer[string] // what a background computation is doing now
}

func (e *entry) noted() string {
	if p := e.note.Load(); p != nil {
		return *p
	}
	return ""
}

const (
	maxEntries = 256
	// maxRunning bounds the background computations in flight: each
	// distinct window of a slow page starts one.
	maxRunning = 4
	// failedFor is how long a failed background computation is shown
	// before a request starts it again.
	failedFor = 30 * time.Second
)

var errTooMany = errors.New("too many long analyses are running: wait for one to finish and reload")

func newCache() *cache { return &cache{entries: map[string]*entry{}} }

// get returns key's value, computing it with fn under the request's ctx
// if no one has. A failure is not kept.
func (c *cache) get(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.val, e.err
		case <-ctx.Done():
			return nil, errBusy
		}
	}
	e := c.add(key)
	c.mu.Unlock()
	c.finish(ctx, key, e, fn)
	return e.val, e.err
}

// wait blocks until key's computation, which must have been started,
// is done, and returns its value.
func (c *cache) wait(ctx context.Context, key string) (any, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("cannot wait for %s: it was not started", key)
	}
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// job is the state of a background computation.
type job struct {
	val     any
	err     error
	ready   bool
	started time.Time
	took    time.Duration
	note    string
}

// slowFunc is a background computation; it may say what it is doing
// with note.
type slowFunc func(ctx context.Context, note func(string)) (any, error)

// background returns key's value if it is ready; otherwise it starts fn
// (once) detached from the request, under parent with a timeout, and
// reports it as running.
func (c *cache) background(parent context.Context, key string, timeout time.Duration, fn slowFunc) job {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		select {
		case <-e.done:
			if e.err == nil || time.Since(e.started) < e.took+failedFor {
				return job{val: e.val, err: e.err, ready: true, started: e.started, took: e.took}
			}
			c.drop(key, e)
		default:
			return job{started: e.started, note: e.noted()}
		}
	}
	if c.running >= maxRunning {
		return job{err: errTooMany, ready: true}
	}
	c.running++
	e := c.add(key)
	go func() {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		note := func(s string) { e.note.Store(&s) }
		run(ctx, e, func(ctx context.Context) (any, error) { return fn(ctx, note) }) // a failure is kept, for the page polling for it
		c.mu.Lock()
		c.running--
		c.mu.Unlock()
	}()
	return job{started: e.started}
}

// add registers a new entry; c.mu is held.
func (c *cache) add(key string) *entry {
	e := &entry{done: make(chan struct{}), started: time.Now()}
	c.entries[key] = e
	c.order = append(c.order, key)
	c.evict()
	return e
}

func (c *cache) finish(ctx context.Context, key string, e *entry, fn func(context.Context) (any, error)) {
	run(ctx, e, fn)
	if e.err != nil {
		c.mu.Lock()
		c.drop(key, e)
		c.mu.Unlock()
	}
}

func run(ctx context.Context, e *entry, fn func(context.Context) (any, error)) {
	defer close(e.done)
	e.val, e.err = fn(ctx)
	e.took = time.Since(e.started)
}

// drop removes key if it still holds e; c.mu is held.
func (c *cache) drop(key string, e *entry) {
	if c.entries[key] == e {
		delete(c.entries, key)
	}
}

// evict forgets the oldest finished entries beyond maxEntries; c.mu is
// held.
func (c *cache) evict() {
	for i := 0; len(c.entries) > maxEntries && i < len(c.order); {
		k := c.order[i]
		e, ok := c.entries[k]
		if !ok {
			c.order = append(c.order[:i], c.order[i+1:]...)
			continue
		}
		select {
		case <-e.done:
			delete(c.entries, k)
			c.order = append(c.order[:i], c.order[i+1:]...)
		default:
			i++
		}
	}
	if len(c.order) > 4*maxEntries { // keys dropped after failures
		live := c.order[:0]
		for _, k := range c.order {
			if _, ok := c.entries[k]; ok {
				live = append(live, k)
			}
		}
		c.order = live
	}
}

// busy is how many background computations are running.
func (c *cache) busy() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}
