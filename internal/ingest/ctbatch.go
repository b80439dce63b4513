package ingest

import (
	"fmt"
	"slices"

	"github.com/flowtrail/flowtrail/internal/cloudtrail"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/parquet-go/parquet-go"
)

type ctRow struct {
	ev     cloudtrail.Event
	source int64
}

// ctColumns is the cloudtrail table: normalised columns plus the whole
// event as JSON text, so nothing the record said is lost.
var ctColumns = []lake.Column{
	{Name: "event_time", Kind: lake.Timestamp},
	{Name: "event_source", Kind: lake.String},
	{Name: "event_name", Kind: lake.String},
	{Name: "aws_region", Kind: lake.String},
	{Name: "recipient_account_id", Kind: lake.String},
	{Name: "event_id", Kind: lake.String},
	{Name: "event_type", Kind: lake.String},
	{Name: "read_only", Kind: lake.Bool},
	{Name: "principal_arn", Kind: lake.String},
	{Name: "principal_type", Kind: lake.String},
	{Name: "principal_account_id", Kind: lake.String},
	{Name: "user_name", Kind: lake.String},
	{Name: "access_key_id", Kind: lake.String},
	{Name: "source_ip_address", Kind: lake.String},
	{Name: "user_agent", Kind: lake.String},
	{Name: "error_code", Kind: lake.String},
	{Name: "error_message", Kind: lake.String},
	{Name: "request_parameters", Kind: lake.String},
	{Name: "response_elements", Kind: lake.String},
	{Name: "resources", Kind: lake.String},
	{Name: "raw", Kind: lake.String},
	{Name: lake.SourceIDColumn, Kind: lake.Int64},
	{Name: lake.SourceLineColumn, Kind: lake.Int64},
}

type ctBatch struct {
	rows    []ctRow
	schema  *lake.Schema
	sources map[int64]bool
}

func newCTBatch() (*ctBatch, error) {
	s, err := lake.NewSchema(lake.TableCloudTrail, ctColumns)
	if err != nil {
		return nil, fmt.Errorf("cannot build cloudtrail schema: %w", err)
	}
	return &ctBatch{schema: s, sources: map[int64]bool{}}, nil
}

func (b *ctBatch) Len() int { return len(b.rows) }

// Sort orders events by time.
func (b *ctBatch) Sort() {
	slices.SortStableFunc(b.rows, func(x, y ctRow) int { return x.ev.EventTime.Compare(y.ev.EventTime) })
}

func (b *ctBatch) Row(i int, out []parquet.Value) {
	r := &b.rows[i]
	e := &r.ev
	s := b.schema
	s.Put(out, 0, lake.TS(e.EventTime.UnixMicro()))
	strs := []string{e.EventSource, e.EventName, e.AWSRegion, e.RecipientAccountID, e.EventID, e.EventType}
	for k, v := range strs {
		s.Put(out, 1+k, optStr(v))
	}
	if e.ReadOnly != nil {
		s.Put(out, 7, lake.B(*e.ReadOnly))
	}
	rest := []string{e.PrincipalARN, e.PrincipalType, e.PrincipalAccountID, e.UserName, e.AccessKeyID, e.SourceIPAddress, e.UserAgent,
		e.ErrorCode, e.ErrorMessage, e.RequestParameters, e.ResponseElements, e.Resources, e.Raw}
	for k, v := range rest {
		s.Put(out, 8+k, optStr(v))
	}
	s.Put(out, len(s.Columns)-2, lake.I64(r.source))
	s.Put(out, len(s.Columns)-1, lake.I64(e.Line))
}

func optStr(s string) parquet.Value {
	if s == "" {
		return parquet.Value{}
	}
	return lake.Str(s)
}

func (b *ctBatch) add(r ctRow) {
	b.rows = append(b.rows, r)
	b.sources[r.source] = true
}
