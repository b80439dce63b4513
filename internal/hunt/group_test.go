package hunt

import (
	"slices"
	"testing"
	"time"
)

// A miner that followed its workload to a new instance is two pool
// findings about one pool, port and time, merged into one: the merged
// finding names both addresses and spans both, so that whoever filters
// the traffic by the finding (sg recommend's exclusions, an analyst's
// query) also gets the second instance's sessions.
func TestMergeEchoes_SpanCoversBoth(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	fs := mergeEchoes([]Finding{
		{ID: "f-a", Detector: "crypto-mining", Src: Endpoint{Address: "10.0.0.5", Name: "web"}, Dst: Endpoint{Address: "198.51.100.33"},
			Ports: []int{3334}, FirstSeen: t0, LastSeen: t0.Add(2 * time.Hour)},
		{ID: "f-b", Detector: "crypto-mining", Src: Endpoint{Address: "10.0.0.6", Name: "web"}, Dst: Endpoint{Address: "198.51.100.33"},
			Ports: []int{3334}, FirstSeen: t0.Add(2*time.Hour + 10*time.Minute), LastSeen: t0.Add(5 * time.Hour)},
	})
	if len(fs) != 1 {
		t.Fatalf("%d findings, want the two merged into one", len(fs))
	}
	f := fs[0]
	if srcs, _ := f.Details["src_addresses"].([]string); !slices.Contains(srcs, "10.0.0.5") || !slices.Contains(srcs, "10.0.0.6") {
		t.Errorf("src_addresses %v, want both instances", f.Details["src_addresses"])
	}
	if !f.FirstSeen.Equal(t0) || !f.LastSeen.Equal(t0.Add(5*time.Hour)) {
		t.Errorf("span %s–%s, want %s–%s", f.FirstSeen, f.LastSeen, t0, t0.Add(5*time.Hour))
	}
}

// A chain of echoes — the instance before, the NAT gateway whose records
// span every instance, the instance after — ends in one finding that
// names every source and spans all of them, whichever merges first.
func TestMergeEchoes_ChainKeepsEverySource(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC)
	pool := Endpoint{Address: "198.51.100.33"}
	mk := func(id, src, name string, from, to time.Duration) Finding {
		return Finding{ID: id, Detector: "crypto-mining", Src: Endpoint{Address: src, Name: name}, Dst: pool, Ports: []int{3333},
			FirstSeen: t0.Add(from), LastSeen: t0.Add(to)}
	}
	fs := []Finding{
		mk("f-old", "10.0.10.29", "batch", 0, 20*time.Minute),
		mk("f-mid", "10.0.10.30", "batch", 3*time.Hour, 5*time.Hour),
		mk("f-nat", "10.0.0.4", "", 0, 6*time.Hour),
		mk("f-new", "10.0.10.31", "batch", 5*time.Hour+10*time.Minute, 6*time.Hour),
	}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}} {
		var in []Finding
		for _, i := range order {
			f := fs[i]
			f.Details = nil
			in = append(in, f)
		}
		out := mergeEchoes(in)
		if len(out) != 1 {
			t.Errorf("order %v: %d findings, want one", order, len(out))
			continue
		}
		srcs, _ := out[0].Details["src_addresses"].([]string)
		for _, want := range []string{"10.0.10.29", "10.0.10.30", "10.0.10.31", "10.0.0.4"} {
			if !slices.Contains(append(srcs, out[0].Src.Address), want) {
				t.Errorf("order %v: sources %v lack %s", order, srcs, want)
			}
		}
		if !out[0].FirstSeen.Equal(t0) || !out[0].LastSeen.Equal(t0.Add(6*time.Hour)) {
			t.Errorf("order %v: span %s–%s, want the whole chain's", order, out[0].FirstSeen, out[0].LastSeen)
		}
	}
}
