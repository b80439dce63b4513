package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

// huntJob is `flowtrail hunt --since … --until …` over the page's
// window, run once per window in the background.
func (s *Server) huntJob(snap *snapshot, w window) job {
	opt := s.cfg.Hunt
	opt.Since, opt.Until = w.Since, w.Until
	return s.slow(snap, "hunt|"+w.key(), func(ctx context.Context, e *engine.Engine, note func(string)) (any, error) {
		opt.Progress = func(step string) {
			switch step {
			case "coverage":
				note("measuring coverage")
			case "summary":
				note("summarising the flows")
			default:
				note("detector " + step)
			}
		}
		return hunt.Run(ctx, e, opt)
	})
}

// huntReport is the window's hunt if it is done; started says whether
// to start it.
func (s *Server) huntReport(snap *snapshot, w window) (*hunt.Report, job) {
	j := s.huntJob(snap, w)
	if !j.ready || j.err != nil {
		return nil, j
	}
	return j.val.(*hunt.Report), j
}

// findingFilter narrows the list: the least severity, a detector, a
// workload at either end, words in the title or summary.
type findingFilter struct {
	Severity string `json:"severity,omitempty"`
	Detector string `json:"detector,omitempty"`
	Workload string `json:"workload,omitempty"`
	Text     string `json:"q,omitempty"`
}

func filterOf(r *http.Request) (findingFilter, error) {
	q := r.URL.Query()
	f := findingFilter{Severity: q.Get("severity"), Detector: q.Get("detector"), Workload: q.Get("workload"), Text: q.Get("q")}
	if f.Severity != "" && severityOf(f.Severity) < 0 {
		return f, badRequest("severity %q: use info, low, medium, high or critical", f.Severity)
	}
	if f.Detector != "" && hunt.DetectorByName(f.Detector) == nil {
		return f, badRequest("no detector %q: the detectors are %s", f.Detector, strings.Join(hunt.DetectorNames(), ", "))
	}
	return f, nil
}

var severities = []string{"info", "low", "medium", "high", "critical"}

func severityOf(name string) hunt.Severity { return hunt.Severity(slices.Index(severities, name)) }

func (f findingFilter) pass(x hunt.Finding) bool {
	text := strings.ToLower(f.Text)
	switch {
	case f.Severity != "" && x.Severity < severityOf(f.Severity),
		f.Detector != "" && x.Detector != f.Detector,
		f.Workload != "" && x.Src.Name != f.Workload && x.Dst.Name != f.Workload,
		text != "" && !strings.Contains(strings.ToLower(x.Title+" "+x.Summary+" "+x.Src.Address+" "+x.Dst.Address), text):
		return false
	}
	return true
}

// findingsData is the findings page: the window's hunt, filtered.
type findingsData struct {
	Findings   []hunt.Finding     `json:"findings"`
	Total      int                `json:"total"`
	Filter     findingFilter      `json:"filter"`
	BySeverity []severityCount    `json:"by_severity"`
	Coverage   *hunt.Coverage     `json:"coverage"`
	Detectors  []hunt.DetectorRun `json:"detectors"`
	Window     hunt.Window        `json:"window"`
	Workloads  []string           `json:"-"`
	Names      []string           `json:"-"`
}

type severityCount struct {
	Severity string `json:"severity"`
	Count    int    `json:"count"`
}

func (s *Server) findingsPage(r *request, v *view) error {
	v.Title = "Findings"
	f, err := filterOf(r.Request)
	if err != nil {
		return err
	}
	for k, val := range map[string]string{"severity": f.Severity, "detector": f.Detector, "workload": f.Workload, "q": f.Text} {
		v.Keep.Set(k, val)
	}
	rep, j := s.huntReport(r.snap, r.window)
	if rep == nil {
		_, err := await(v, "the hunt", j)
		return err
	}
	d := &findingsData{Total: len(rep.Findings), Filter: f, BySeverity: bySeverity(rep.Findings), Coverage: rep.Coverage,
		Detectors: rep.Detectors, Window: rep.Window, Names: hunt.DetectorNames(), Findings: []hunt.Finding{}}
	seen := map[string]bool{}
	for _, x := range rep.Findings {
		for _, n := range []string{x.Src.Name, x.Dst.Name} {
			if n != "" && !seen[n] {
				seen[n] = true
				d.Workloads = append(d.Workloads, n)
			}
		}
		if f.pass(x) {
			d.Findings = append(d.Findings, x)
		}
	}
	slices.Sort(d.Workloads)
	v.Data = d
	return nil
}

// bySeverity counts findings per severity, most severe first.
func bySeverity(fs []hunt.Finding) []severityCount {
	out := make([]severityCount, 0, len(severities))
	for i := len(severities) - 1; i >= 0; i-- {
		n := 0
		for _, f := range fs {
			if f.Severity == hunt.Severity(i) {
				n++
			}
		}
		out = append(out, severityCount{severities[i], n})
	}
	return out
}

// findingData is one finding with its records.
type findingData struct {
	Finding  hunt.Finding    `json:"finding"`
	Timeline *traffic.Series `json:"timeline"`
	Records  *traffic.Page   `json:"records"`
	Console  string          `json:"-"`
}

func (s *Server) findingPage(r *request, v *view) error {
	id := r.PathValue("id")
	v.Title = "Finding " + id
	offset, err := offsetOf(r.URL.Query().Get("offset"))
	if err != nil {
		return err
	}
	rep, j := s.huntReport(r.snap, r.window)
	if rep == nil {
		_, err := await(v, "the hunt", j)
		return err
	}
	i := slices.IndexFunc(rep.Findings, func(f hunt.Finding) bool { return f.ID == id })
	if i < 0 {
		return badRequest("no finding %q in the hunt of this time range", id)
	}
	f := rep.Findings[i]
	d := &findingData{Finding: f, Console: href("/console", window{}, "sql", f.EvidenceSQL)}
	if d.Timeline, d.Records, err = s.evidence(r, f, offset); err != nil {
		return err
	}
	v.Title, v.Data = f.Title, d
	return nil
}

// evidence charts and pages the finding's records by running its
// evidence SQL, as `flowtrail query` would.
func (s *Server) evidence(r *request, f hunt.Finding, offset int) (*traffic.Series, *traffic.Page, error) {
	ev := traffic.Evidence(f.EvidenceSQL)
	span := f.LastSeen.Sub(f.FirstSeen)
	bucket := traffic.BucketFor(max(span, time.Minute), maxBuckets)
	out, err := s.quick(r.Context(), r.snap, "evidence|"+r.window.key()+"|"+f.ID+"|"+itoa(offset), func(ctx context.Context, e *engine.Engine) (any, error) {
		t, err := ev.Timeline(ctx, e, bucket)
		if err != nil {
			return nil, err
		}
		p, err := ev.Records(ctx, e, offset, pageSize)
		return [2]any{t, p}, err
	})
	if err != nil {
		return nil, nil, err
	}
	pair := out.([2]any)
	return pair[0].(*traffic.Series), pair[1].(*traffic.Page), nil
}
