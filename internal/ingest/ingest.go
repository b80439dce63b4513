// Package ingest reads sources, detects what each holds, parses it and
// writes the rows into the lake in one atomic commit per run.
package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/flowtrail/flowtrail/internal/rollup"
	"github.com/flowtrail/flowtrail/internal/source"
)

// Config is what one ingest run needs.
type Config struct {
	Lake        string
	Listers     []source.Lister
	FlowFormat  string        // --flow-format, for headerless sources: a format, or @FILE with describe-flow-logs JSON
	Limits      source.Limits // decompression bounds
	Workers     int           // parallel sources; default GOMAXPROCS
	MaxRows     int           // rows buffered before the largest batch is written; default 300k
	MemoryLimit int64         // Go heap soft limit in bytes; default 640 MiB
	Progress    Progress      // nil: none
}

// Progress is told about each source as it finishes.
type Progress interface {
	Start(total int)
	Done(bytes int64)
	Finish()
}

// Summary reports a run.
type Summary struct {
	Lake       string           `json:"lake"`
	Sources    int              `json:"sources"`
	Ingested   int              `json:"ingested"`
	Skipped    int              `json:"skipped_unchanged"`
	Replaced   int              `json:"replaced"`
	Failed     []Failure        `json:"failed"`
	Records    map[string]int64 `json:"records"`
	Rejected   int64            `json:"rejected_lines"`
	Quarantine string           `json:"quarantine,omitempty"`
	Bytes      int64            `json:"bytes_read"`
	Files      int              `json:"files_written"`
	Elapsed    time.Duration    `json:"elapsed_ns"`
	CPU        time.Duration    `json:"cpu_ns"`
}

// Failure is a source that could not be read to its end; none of its rows
// were kept, and the next run tries it again.
type Failure struct {
	URI   string `json:"uri"`
	Error string `json:"error"`
}

// job is one source being read.
type job struct {
	obj    source.Object
	id     int64
	kind   string
	format string
	sha256 string
	prior  *lake.Source
}

type result struct {
	job      *job
	records  map[string]int64
	rejected int64
	quar     string
	err      error
}

// Run ingests every source the listers find.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	cfg = withDefaults(cfg)
	userFmt, err := userFormat(cfg.FlowFormat)
	if err != nil {
		return nil, err
	}
	// Rows are packed in arenas, so the heap is mostly parquet-go's
	// short-lived buffers: collect less often, trading memory for CPU,
	// but never past the soft limit that keeps ingest under 1 GiB.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(cfg.MemoryLimit))
	w, err := lake.Open(cfg.Lake)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	start, cpu0 := time.Now(), cpuTime()
	r := &run{cfg: cfg, w: w, userFmt: userFmt, sum: &Summary{Lake: cfg.Lake, Records: map[string]int64{}, Failed: []Failure{}}, col: newCollector(w, cfg.MaxRows)}
	if err := r.all(ctx); err != nil {
		return nil, err
	}
	r.sum.Elapsed, r.sum.CPU = time.Since(start), cpuTime()-cpu0
	return r.sum, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = 300_000
	}
	if cfg.MemoryLimit <= 0 {
		cfg.MemoryLimit = 640 << 20
	}
	if cfg.Limits.MaxRatio == 0 {
		cfg.Limits = source.DefaultLimits
	}
	return cfg
}

type run struct {
	cfg     Config
	w       *lake.Writer
	userFmt *flowlog.Format
	sum     *Summary
	col     *collector
}

// all lists, reads in parallel, collects and commits.
func (r *run) all(ctx context.Context) error {
	jobs, err := r.plan(ctx)
	if err != nil {
		return err
	}
	if r.cfg.Progress != nil {
		r.cfg.Progress.Start(len(jobs))
		defer r.cfg.Progress.Finish()
	}
	chunks := make(chan *chunk, 64)
	results := make(chan result, 64)
	var wg sync.WaitGroup
	work := make(chan *job)
	for range r.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				results <- r.read(ctx, j, chunks)
			}
		}()
	}
	go func() {
		defer close(work)
		for _, j := range jobs {
			select {
			case work <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results); close(chunks) }()
	if err := r.collect(chunks, results); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ingest interrupted, nothing committed: %w", err)
	}
	if err := r.col.flushAll(); err != nil {
		return err
	}
	r.sum.Files = r.col.files
	// The rollup is computed from the files as they will be published:
	// replaced sources' rows dropped first.
	if err := r.w.DropReplaced(); err != nil {
		return err
	}
	if err := rollup.Refresh(ctx, r.w, rollup.Options{}); err != nil {
		return err
	}
	return r.w.Commit()
}

// collect drains chunks and results until both channels close.
func (r *run) collect(chunks <-chan *chunk, results <-chan result) error {
	var firstErr error
	for chunks != nil || results != nil {
		select {
		case c, ok := <-chunks:
			if !ok {
				chunks = nil
				continue
			}
			if err := r.col.add(c); err != nil && firstErr == nil {
				firstErr = err
			}
		case res, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			r.finish(res)
		}
	}
	return firstErr
}

// plan lists the sources and leaves out those the ledger holds unchanged.
func (r *run) plan(ctx context.Context) ([]*job, error) {
	var jobs []*job
	seen := map[string]bool{}
	for _, l := range r.cfg.Listers {
		err := l.List(ctx, func(o source.Object) error {
			if seen[o.URI] {
				return nil
			}
			seen[o.URI] = true
			r.sum.Sources++
			prior := r.w.Lookup(o.URI)
			if prior != nil && prior.Same(o.Size, o.ETag, o.ModTime) {
				r.sum.Skipped++
				return nil
			}
			jobs = append(jobs, &job{obj: o, id: r.w.NewSourceID(), prior: prior})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return jobs, nil
}

// finish records a source's outcome: a ledger entry on success; on failure
// its rows are dropped and it is reported.
func (r *run) finish(res result) {
	j := res.job
	if r.cfg.Progress != nil {
		r.cfg.Progress.Done(j.obj.Size)
	}
	r.sum.Bytes += j.obj.Size
	if res.err != nil {
		r.col.discard(j.id)
		r.sum.Failed = append(r.sum.Failed, Failure{URI: j.obj.URI, Error: res.err.Error()})
		slog.Error("cannot ingest source", "source", j.obj.URI, "err", res.err)
		return
	}
	if j.prior != nil {
		r.sum.Replaced++
	}
	r.sum.Ingested++
	for t, n := range res.records {
		r.sum.Records[t] += n
	}
	r.sum.Rejected += res.rejected
	if res.quar != "" {
		r.sum.Quarantine = "quarantine/"
	}
	r.w.AddSource(&lake.Source{ID: j.id, URI: j.obj.URI, Size: j.obj.Size, ETag: j.obj.ETag, ModTime: j.obj.ModTime,
		SHA256: j.sha256, Kind: j.kind, Format: j.format, Records: res.records, Rejected: res.rejected, Quarantine: res.quar,
		IngestedAt: time.Now().UTC()})
}

// userFormat reads --flow-format: a LogFormat string, or @FILE naming the
// JSON output of `aws ec2 describe-flow-logs`.
func userFormat(v string) (*flowlog.Format, error) {
	if v == "" {
		return nil, nil
	}
	var f flowlog.Format
	var err error
	if path, ok := strings.CutPrefix(v, "@"); ok {
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			return nil, fmt.Errorf("--flow-format: cannot read %s: %w", path, rerr)
		}
		f, err = flowlog.FormatFromDescribe(b)
	} else {
		f, err = flowlog.ParseFormat(v)
	}
	if err != nil {
		return nil, fmt.Errorf("--flow-format: %w", err)
	}
	return &f, nil
}
