package sgaudit_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/sgaudit"
	"github.com/flowtrail/flowtrail/internal/source"
)

// estate generates an estate with churn and planted findings, ingests it
// and opens it.
func estate(t *testing.T) (*gen.Truth, *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	dir, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	truth, err := gen.Generate(ctx, dir, gen.Config{Seed: 3, Scale: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(dir, "AWSLogs")}}}); err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return truth, e
}

func TestAudit_FindsWhatWasPlanted(t *testing.T) {
	truth, e := estate(t)
	rep, err := sgaudit.Run(context.Background(), e, sgaudit.Window{})
	if err != nil {
		t.Fatal(err)
	}
	p := truth.Planted
	if len(p.UnusedGroups) == 0 || len(p.UnusedRules) == 0 || len(p.Changes) != 3 {
		t.Fatalf("the generator planted too little to check: %+v", p)
	}
	var groups []string
	for _, g := range rep.UnusedGroups {
		groups = append(groups, g.GroupID)
	}
	for _, g := range p.UnusedGroups {
		if !slices.Contains(groups, g) {
			t.Errorf("planted unused group %s not reported (got %v)", g, groups)
		}
	}
	for _, pr := range p.UnusedRules {
		i := slices.IndexFunc(rep.UnusedRules, func(u sgaudit.UnusedRule) bool {
			return u.GroupID == pr.Group && u.FromPort == int64(pr.Port) && u.Source == pr.Peer
		})
		switch {
		case i < 0:
			t.Errorf("planted unused rule %+v not reported", pr)
		case pr.Why == "probes only" && rep.UnusedRules[i].Probes == 0:
			t.Errorf("rule %+v: reported without the probes that hit it: %+v", pr, rep.UnusedRules[i])
		}
	}
	// A rule real traffic uses is never reported: the web groups' 443.
	for _, u := range rep.UnusedRules {
		if u.FromPort == 443 || u.FromPort == 5432 || u.FromPort == 8080 {
			t.Errorf("a rule in use reported unused: %+v", u)
		}
	}
	for _, pc := range p.Changes {
		i := slices.IndexFunc(rep.Changes, func(c sgaudit.Change) bool {
			return c.Time.Equal(pc.Time) && c.Event == pc.Event && slices.Contains(c.Flags, pc.Flag)
		})
		if i < 0 {
			t.Errorf("planted change %+v not flagged", pc)
			continue
		}
		c := rep.Changes[i]
		if c.Actor.UserName != pc.User || c.Actor.SourceIP == "" || c.Actor.UserAgent == "" || c.Actor.ARN == "" {
			t.Errorf("change %+v: actor %+v", pc, c.Actor)
		}
	}
	for _, c := range rep.Changes {
		if slices.Contains(c.Flags, "unusual_actor") && c.Actor.UserName != "bob" {
			t.Errorf("a deployer's change flagged unusual: %+v", c)
		}
	}
}

func TestEnriched_ReplacedInstancesKeepTheirNames(t *testing.T) {
	truth, e := estate(t)
	ctx := context.Background()
	replaced := 0
	for _, in := range truth.Instances {
		if !in.Terminate.IsZero() {
			replaced++
		}
	}
	if replaced < 10 {
		t.Fatalf("only %d instances replaced: no churn to check", replaced)
	}
	// Every record logged at an instance's interface names that instance
	// and its Name tag, and no record is duplicated by the join.
	res, err := e.Query(ctx, `SELECT (SELECT count(*) FROM flows), count(*), count(*) FILTER (WHERE instance_name IS NOT NULL) FROM flows_enriched`, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Rows[0]; r[0] != r[1] {
		t.Fatalf("flows %v, flows_enriched %v: the join duplicates or drops records", r[0], r[1])
	}
	for _, in := range truth.Instances {
		res, err := e.QueryParams(ctx, `SELECT count(*), count(*) FILTER (WHERE instance_name = $2 AND instance_id = $3) FROM flows_enriched WHERE interface_id = $1`, 0, in.ENI, in.Name, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Rows[0]; r[0] != r[1] {
			t.Errorf("instance %s (%s, %s): %v records at its interface, %v carry its id and name", in.ID, in.Name, in.ENI, r[0], r[1])
		}
	}
}
