package named

import (
	"cmp"
	"slices"
	"strings"
)

// suggest lists up to five query names close to name: those containing
// it (or contained in it), then those within a few edits, nearest first.
func suggest(name string) []string {
	in := strings.ToLower(strings.TrimSpace(name))
	if in == "" {
		return nil
	}
	type cand struct {
		name string
		dist int
	}
	var cs []cand
	for _, q := range registry {
		n := strings.ToLower(q.Name)
		d := distance(in, n)
		if len(in) >= 3 && strings.Contains(n, in) || strings.Contains(in, n) {
			d = 0
		}
		if d <= max(2, len(in)/4) {
			cs = append(cs, cand{q.Name, d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.name, b.name)) })
	var out []string
	for _, c := range cs[:min(len(cs), 5)] {
		out = append(out, c.name)
	}
	return out
}

// distance is the Levenshtein distance between a and b, bytewise.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
