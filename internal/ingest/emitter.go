package ingest

import (
	"time"

	"github.com/flowtrail/flowtrail/internal/cloudtrail"
	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/flowtrail/flowtrail/internal/source"
)

// chunkRows is how many rows a worker hands the collector at a time.
const chunkRows = 4096

// partKey identifies one open batch: a table, a partition, and the
// unknown columns its rows carry.
type partKey struct {
	table   string
	part    lake.Partition
	unknown string // unknown field names joined by spaces
}

type chunk struct {
	key     partKey
	source  int64
	unknown []string
	flows   flowRows
	events  []ctRow
	snaps   snapRows
}

// emitter collects one source's rows by partition and passes them on in
// chunks; it also counts and quarantines rejects.
type emitter struct {
	job     *job
	layout  source.Layout
	pending map[partKey]*chunk
	send    func(*chunk) error
	quar    *lake.Quarantine
	records map[string]int64
	names   map[string]string
}

func newEmitter(j *job, send func(*chunk) error, q *lake.Quarantine) *emitter {
	return &emitter{job: j, layout: source.ParseLayout(j.obj.Key), pending: map[partKey]*chunk{}, send: send, quar: q, records: map[string]int64{}, names: map[string]string{}}
}

func (e *emitter) reject(line int64, reason string, raw []byte) error {
	return e.quar.Add(line, reason, raw)
}

func (e *emitter) flow(f flowlog.Format, rec *flowlog.Record) error {
	k := partKey{table: tableName(f.Table), part: e.flowPartition(rec)}
	if len(f.Unknown) > 0 {
		k.unknown = joinNames(f.Unknown)
	}
	c := e.chunkFor(k, f.Unknown)
	c.flows.add(e.job.id, rec)
	e.records[k.table]++
	return e.maybeSend(k, c.flows.Len())
}

func (e *emitter) event(ev *cloudtrail.Event) error {
	k := partKey{table: lake.TableCloudTrail, part: e.eventPartition(ev)}
	c := e.chunkFor(k, nil)
	c.events = append(c.events, ctRow{ev: *ev, source: e.job.id})
	e.records[k.table]++
	return e.maybeSend(k, len(c.events))
}

func (e *emitter) chunkFor(k partKey, unknown []string) *chunk {
	c := e.pending[k]
	if c == nil {
		c = &chunk{key: k, unknown: unknown, source: e.job.id}
		c.flows.reserve(chunkRows)
		e.pending[k] = c
	}
	return c
}

func (e *emitter) maybeSend(k partKey, n int) error {
	if n < chunkRows {
		return nil
	}
	c := e.pending[k]
	delete(e.pending, k)
	return e.send(c)
}

// flush sends what is pending.
func (e *emitter) flush() error {
	for k, c := range e.pending {
		delete(e.pending, k)
		if err := e.send(c); err != nil {
			return err
		}
	}
	return nil
}

// flowPartition takes account, region and day from the key layout when it
// has them, else from the record.
func (e *emitter) flowPartition(rec *flowlog.Record) lake.Partition {
	p := lake.Partition{Account: e.layout.Account, Region: e.layout.Region, Day: e.layout.Day}
	if p.Account == "" {
		p.Account = e.intern(rec.B(flowlog.FAccountID))
	}
	if p.Region == "" {
		p.Region = e.intern(rec.B(flowlog.FRegion))
	}
	if p.Day.IsZero() {
		p.Day = dayOfRecord(rec)
	}
	return p
}

// intern returns b as a string, reusing earlier copies: partition values
// repeat on every record.
func (e *emitter) intern(b []byte) string {
	if s, ok := e.names[string(b)]; ok {
		return s
	}
	s := accountOf(string(b))
	if len(e.names) < 1024 {
		e.names[string(b)] = s
	}
	return s
}

func accountOf(s string) string {
	if s == "" || s == "unknown" {
		return "unknown"
	}
	return s
}

func dayOfRecord(rec *flowlog.Record) time.Time {
	t, ok := rec.I(flowlog.FStart)
	if !ok {
		t, _ = rec.I(flowlog.FEnd)
	}
	return time.Unix(t, 0).UTC().Truncate(24 * time.Hour)
}

func (e *emitter) eventPartition(ev *cloudtrail.Event) lake.Partition {
	p := lake.Partition{Account: e.layout.Account, Region: e.layout.Region, Day: e.layout.Day}
	if p.Account == "" {
		p.Account = accountOf(ev.RecipientAccountID)
	}
	if p.Region == "" {
		p.Region = ev.AWSRegion
	}
	if p.Day.IsZero() {
		p.Day = ev.EventTime.UTC().Truncate(24 * time.Hour)
	}
	return p
}

func joinNames(ns []string) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += " "
		}
		s += n
	}
	return s
}
