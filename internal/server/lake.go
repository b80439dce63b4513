package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

// errBusy is returned when a request waited its whole time for the
// engine.
var errBusy = errors.New("the engine is busy with other requests: try again")

// db is one engine. An engine has one DuckDB connection, which runs one
// statement at a time, so its users take turns; a request that cannot
// get its turn before its deadline gives up.
type db struct {
	turn chan struct{}
	e    *engine.Engine
}

func newDB(e *engine.Engine) *db { return &db{turn: make(chan struct{}, 1), e: e} }

func (d *db) do(ctx context.Context, fn func(*engine.Engine) error) error {
	select {
	case d.turn <- struct{}{}:
	case <-ctx.Done():
		return errBusy
	}
	defer func() { <-d.turn }()
	return fn(d.e)
}

func (d *db) close() {
	d.turn <- struct{}{} // wait for the last user
	d.e.Close()
}

// snapshot is the lake as one manifest generation has it: the engines
// over it and the results computed from it. When the lake changes, a new
// snapshot replaces it and the old one closes once its last request ends.
type snapshot struct {
	gen      int64
	manifest *lake.Manifest
	pages    *db // pages and the console: short, bounded queries
	// opener opens another engine over the same lake for the long
	// analyses, narrowed to a workload when one is named.
	opener func(ctx context.Context, workload string) (*engine.Engine, error)

	// batch runs the long analyses (the audit, the hunt, workload
	// pivots) so that they never hold up a page. Opened on first use.
	batchMu sync.Mutex
	batch   *db
	// workload is the engine narrowed to one workload, for its pivot;
	// it is replaced when another workload is asked for.
	workloadMu sync.Mutex
	workload   *db
	workName   string

	results *cache
	// extent is the span of the records, computed once.
	extentMu sync.Mutex
	extent   *traffic.Extent
	ctx      context.Context // cancelled when the snapshot retires
	cancel   context.CancelFunc
	users    sync.WaitGroup
}

// batchDB opens the batch engine on first use; a failed open is tried
// again by the next analysis.
func (s *snapshot) batchDB(ctx context.Context) (*db, error) {
	s.batchMu.Lock()
	defer s.batchMu.Unlock()
	if s.batch == nil {
		e, err := s.opener(ctx, "")
		if err != nil {
			return nil, err
		}
		s.batch = newDB(e)
	}
	return s.batch, nil
}

// workloadDB is an engine narrowed to name (engine.Options.Workload),
// as `flowtrail instance NAME` opens. Callers hold the batch turn, so
// at most one narrowed engine is in use.
func (s *snapshot) workloadDB(ctx context.Context, name string) (*db, error) {
	s.workloadMu.Lock()
	defer s.workloadMu.Unlock()
	if s.workload != nil && s.workName == name {
		return s.workload, nil
	}
	if s.workload != nil {
		s.workload.close()
		s.workload = nil
	}
	e, err := s.opener(ctx, name)
	if err != nil {
		return nil, err
	}
	s.workload, s.workName = newDB(e), name
	return s.workload, nil
}

// close waits for the snapshot's users, then closes its engines.
func (s *snapshot) close() {
	s.cancel()
	s.users.Wait()
	s.pages.close()
	s.batchMu.Lock()
	defer s.batchMu.Unlock()
	if s.batch != nil {
		s.batch.close()
	}
	if s.workload != nil {
		s.workload.close()
	}
}

// lakeState follows the lake: each request gets the current snapshot,
// and a new one is opened when the manifest has changed.
type lakeState struct {
	dir   string
	opts  engine.Options // the pages engine's
	slow  time.Duration  // the long analyses' per-query timeout
	mu    sync.Mutex
	cur   *snapshot
	seen  fileStamp
	check time.Time
}

type fileStamp struct {
	size int64
	mod  time.Time
}

// recheck is how often a request may look at the manifest's stamp.
const recheck = time.Second

func openLake(ctx context.Context, dir string, opts engine.Options, slow time.Duration) (*lakeState, error) {
	l := &lakeState{dir: dir, opts: opts, slow: slow}
	l.seen = l.stamp()
	snap, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	l.cur = snap
	return l, nil
}

func (l *lakeState) stamp() fileStamp {
	fi, err := os.Stat(filepath.Join(l.dir, lake.ManifestName))
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.Size(), fi.ModTime()}
}

func (l *lakeState) open(ctx context.Context) (*snapshot, error) {
	opener := func(ctx context.Context, workload string) (*engine.Engine, error) {
		o := l.opts
		o.Workload, o.Timeout, o.Threads = workload, l.slow, batchThreads()
		return engine.Open(ctx, l.dir, o)
	}
	e, err := engine.Open(ctx, l.dir, l.opts)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	m := e.Manifest()
	return &snapshot{gen: m.Generation, manifest: m, pages: newDB(e), opener: opener, results: newCache(), ctx: sctx, cancel: cancel}, nil
}

// batchThreads is how many threads a long analysis may use: half the
// machine, so that the pages stay quick while a hunt or an audit runs.
func batchThreads() int { return max(runtime.NumCPU()/2, 1) }

// acquire returns the current snapshot, opening a new one first if the
// manifest changed; release it when done.
func (l *lakeState) acquire(ctx context.Context) (*snapshot, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.check) > recheck {
		l.check = time.Now()
		if st := l.stamp(); st != l.seen {
			l.seen = st
			l.replace(ctx)
		}
	}
	s := l.cur
	s.users.Add(1)
	return s, s.users.Done
}

// replace opens the lake again; on failure (a manifest being replaced
// mid-read, say) the old snapshot stays and the next check retries.
func (l *lakeState) replace(ctx context.Context) {
	m, err := lake.ReadManifest(l.dir)
	if err != nil || m.Generation == l.cur.gen {
		return
	}
	snap, err := l.open(ctx)
	if err != nil {
		slog.Warn("cannot reopen the changed lake; still serving the old one", "lake", l.dir, "err", err)
		l.seen = fileStamp{}
		return
	}
	old := l.cur
	l.cur = snap
	slog.Info("lake changed: serving the new generation", "generation", snap.gen)
	go old.close()
}

func (l *lakeState) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur.close()
}

// describe is the snapshot as the footer shows it.
func (s *snapshot) describe() string {
	return fmt.Sprintf("generation %d, updated %s", s.gen, s.manifest.UpdatedAt.UTC().Format(time.RFC3339))
}

// workloads are the Name tags the inventory knows.
func (s *snapshot) workloads() []string { return s.pages.e.Inventory().Workloads() }
