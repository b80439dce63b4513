package gen

import (
	"slices"
	"testing"
)

func TestServices_FromTheEdges(t *testing.T) {
	cfg, err := Config{Seed: 1, Accounts: 2}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	est, err := newEstate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc := est.services()
	has := func(want Service) bool {
		return slices.ContainsFunc(svc, func(s Service) bool {
			return s.Client == want.Client && s.Server == want.Server && s.Protocol == want.Protocol && s.Port == want.Port &&
				s.Rejected == want.Rejected && s.Unanswered == want.Unanswered && s.CrossVPC == want.CrossVPC
		})
	}
	wants := []Service{
		{Client: "clients", Server: "shared-web", Protocol: 6, Port: 443},
		{Client: "shared-web", Server: "shared-api", Protocol: 6, Port: 8080},
		{Client: "shared-batch", Server: "shared-db", Protocol: 6, Port: 3306, Rejected: true},
		{Client: "scanners", Server: "shared-web", Protocol: 6, Port: legacyConsolePort, Unanswered: true},
		{Client: "shared-api", Server: "prod-payment", Protocol: 6, Port: 8443, CrossVPC: true},
		{Client: "shared-db", Server: "vpc-resolver", Protocol: 17, Port: 53},
		{Client: "shared-bastion", Server: "shared-db", Protocol: 1},
	}
	// the benign look-alikes are the workloads' work too
	kinds := map[string]bool{}
	for _, p := range est.plans {
		if !p.truth.Benign || len(p.shots) == 0 {
			continue
		}
		s := p.shots[0]
		kinds[p.truth.Kind] = true
		switch p.truth.Kind {
		case "nightly-backup":
			wants = append(wants, Service{Client: s.cli.inst.wl.name, Server: "aws", Protocol: 6, Port: 443})
		case "cron-to-vpc-endpoint":
			wants = append(wants, Service{Client: s.cli.inst.wl.name, Server: "vpc-endpoint", Protocol: 6, Port: 443})
		case "load-balancer-health-checks":
			wants = append(wants, Service{Client: "load-balancer", Server: s.srv.inst.wl.name, Protocol: 6, Port: s.sport})
		}
	}
	for _, k := range []string{"nightly-backup", "cron-to-vpc-endpoint", "load-balancer-health-checks"} {
		if !kinds[k] {
			t.Errorf("no look-alike %s planned", k)
		}
	}
	for _, w := range wants {
		if !has(w) {
			t.Errorf("no service %+v among %d", w, len(svc))
		}
	}
	for i, s := range svc {
		if slices.Contains(svc[:i], s) {
			t.Errorf("service listed twice: %+v", s)
		}
		if s.Client == "" || s.Server == "" {
			t.Errorf("a service with an unnamed end: %+v", s)
		}
	}
}
