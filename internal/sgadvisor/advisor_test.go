package sgadvisor_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/sgadvisor"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// The small lake: the inventory's describe-* samples (web-2 is
// eni-0c3d4e5f607182930 at 10.0.3.30 in group sg-0a1b2c3d4e5f60718, which
// web-1's 10.0.1.10 also holds; 10.0.2.20 holds db-replication
// sg-0b2c3d4e5f6071829) and flows at web-2's interface.
const (
	v2 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
	v5 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags\n"
)

// flows: no tcp-flags; every service side must come from ports.
var noFlags = v2 + strings.Join([]string{
	// three internet clients on 443, answered
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.1 10.0.3.30 50001 443 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 198.51.100.1 443 50001 6 5 4000 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.2 10.0.3.30 50002 443 6 5 400 1762000100 1762000160 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 198.51.100.2 443 50002 6 5 4000 1762000100 1762000160 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.3 10.0.3.30 50003 443 6 5 400 1762000200 1762000260 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 198.51.100.3 443 50003 6 5 4000 1762000200 1762000260 ACCEPT OK",
	// a client marked malicious by an indicator
	"2 123456789012 eni-0c3d4e5f607182930 203.0.113.99 10.0.3.30 50004 443 6 5 400 1762000300 1762000360 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 203.0.113.99 443 50004 6 5 4000 1762000300 1762000360 ACCEPT OK",
	// a service on a high port: fixed across three connections from web-1
	"2 123456789012 eni-0c3d4e5f607182930 10.0.1.10 10.0.3.30 40001 50051 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 10.0.1.10 50051 40001 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.1.10 10.0.3.30 40002 50051 6 5 400 1762000100 1762000160 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 10.0.1.10 50051 40002 6 5 400 1762000100 1762000160 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.1.10 10.0.3.30 40003 50051 6 5 400 1762000200 1762000260 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 10.0.1.10 50051 40003 6 5 400 1762000200 1762000260 ACCEPT OK",
	// adjacent ports from web-1: one range
	"2 123456789012 eni-0c3d4e5f607182930 10.0.1.10 10.0.3.30 41000 8000 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 10.0.1.10 8000 41000 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.1.10 10.0.3.30 41001 8001 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 10.0.1.10 8001 41001 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.1.10 10.0.3.30 41002 8002 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 10.0.1.10 8002 41002 6 5 400 1762000000 1762000060 ACCEPT OK",
	// two ephemeral ports, one conversation: no service side to trust
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 10.9.9.9 45000 46000 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.9.9.9 10.0.3.30 46000 45000 6 5 400 1762000000 1762000060 ACCEPT OK",
	// a NAT gateway's port 5000 to 8080, once: both in the NAT range, no rule
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.9 10.0.3.30 5000 8080 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 198.51.100.9 8080 5000 6 5 400 1762000000 1762000060 ACCEPT OK",
	// a scanner that keeps one source port, 61000, while it probes three
	// services, one of which answers: its port reached the most peers,
	// but it is not web-2's service to call
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.70 10.0.3.30 61000 22 6 1 44 1762000400 1762000460 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 198.51.100.70 22 61000 6 1 44 1762000400 1762000460 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.70 10.0.3.30 61000 23 6 1 44 1762000400 1762000460 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.70 10.0.3.30 61000 25 6 1 44 1762000400 1762000460 ACCEPT OK",
	// a scanner on a port nothing serves: admitted, never answered
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.66 10.0.3.30 51234 8081 6 1 44 1762000000 1762000060 ACCEPT OK",
	// rejected, and instance metadata: no rule
	"2 123456789012 eni-0c3d4e5f607182930 198.51.100.67 10.0.3.30 51235 3389 6 1 44 1762000000 1762000060 REJECT OK",
	"2 123456789012 eni-0c3d4e5f607182930 10.0.3.30 169.254.169.254 52000 80 6 5 400 1762000000 1762000060 ACCEPT OK",
	"2 123456789012 eni-0c3d4e5f607182930 169.254.169.254 10.0.3.30 80 52000 6 5 400 1762000000 1762000060 ACCEPT OK",
}, "\n") + "\n"

// flows with tcp-flags: web-2 calls the database replica; the reply's
// SYN-ACK names the responder, so 5432 is an egress rule even though
// the reply record comes first.
var withFlags = v5 + strings.Join([]string{
	"5 123456789012 eni-0c3d4e5f607182930 10.0.2.20 10.0.3.30 5432 33000 6 5 400 1762000000 1762000060 ACCEPT OK 18",
	"5 123456789012 eni-0c3d4e5f607182930 10.0.3.30 10.0.2.20 33000 5432 6 5 400 1762000000 1762000060 ACCEPT OK 2",
}, "\n") + "\n"

func smallLake(t *testing.T) string {
	t.Helper()
	files := map[string]string{"flows-v2.log": noFlags, "flows-v5.log": withFlags}
	for _, name := range []string{"describe-instances.json", "describe-security-groups.json", "describe-security-group-rules.json"} {
		b, err := os.ReadFile(filepath.Join("..", "inventory", "testdata", "snapshots", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	return testlake.Build(t, files)
}

func recommend(t *testing.T, lake string, opts sgadvisor.Options) *sgadvisor.Report {
	t.Helper()
	reps, err := sgadvisor.Run(context.Background(), testlake.OpenDir(t, lake), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 {
		t.Fatalf("%d reports, want 1", len(reps))
	}
	return reps[0]
}

func ruleOf(rs []sgadvisor.Rule, proto string, port int) *sgadvisor.Rule {
	for i := range rs {
		if rs[i].Protocol == proto && rs[i].FromPort <= port && port <= rs[i].ToPort {
			return &rs[i]
		}
	}
	return nil
}

func TestRecommend_Success(t *testing.T) {
	lake := smallLake(t)
	inds := []ioc.Indicator{{Prefix: netip.MustParsePrefix("203.0.113.99/32"), Comment: "known bad", Source: "bad.txt:1"}}
	rep := recommend(t, lake, sgadvisor.Options{Subject: sgadvisor.Subject{Kind: sgadvisor.KindENI, ID: "eni-0c3d4e5f607182930"},
		InternetPeers: 2, Exclude: sgadvisor.FromIndicators(inds)})
	if rep.Workload != "web-2" || rep.TargetGroup != "sg-0a1b2c3d4e5f60718" || rep.VPC != "vpc-0123456789abcdef0" {
		t.Errorf("report about %q in %q, target %q", rep.Workload, rep.VPC, rep.TargetGroup)
	}
	check := func(what string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("%s\ningress %+v\negress %+v\nnot recommended %+v\nexposure %+v", what, rep.Ingress, rep.Egress, rep.NotRecommended, rep.Exposure)
		}
	}
	r := ruleOf(rep.Ingress, "tcp", 443)
	check("443 from more internet peers than the threshold is 0.0.0.0/0, without the excluded client",
		r != nil && slices.Equal(r.Sources, []string{"0.0.0.0/0"}) && r.Conversations == 3 && r.Peers == 3 && r.Basis == "ports" && r.Confidence == "medium")
	r = ruleOf(rep.Ingress, "tcp", 50051)
	check("a high port fixed across connections is a service, and web-1 becomes its group",
		r != nil && r.FromPort == 50051 && r.ToPort == 50051 && slices.Equal(r.Sources, []string{"sg-0a1b2c3d4e5f60718"}) && slices.Equal(r.PeerWorkloads, []string{"web-1"}))
	r = ruleOf(rep.Ingress, "tcp", 8001)
	check("adjacent ports with the same peers merge", r != nil && r.FromPort == 8000 && r.ToPort == 8002)
	r = ruleOf(rep.Egress, "tcp", 5432)
	check("tcp-flags name the responder", r != nil && r.Confidence == "high" && r.Basis == "tcp-flags" && slices.Equal(r.Destinations, []string{"sg-0b2c3d4e5f6071829"}))
	for _, rs := range [][]sgadvisor.Rule{rep.Ingress, rep.Egress} {
		for _, x := range rs {
			check("no ephemeral, reply, rejected or link-local port becomes a rule: "+x.Protocol, x.ToPort < 32768 || x.FromPort == 50051)
		}
	}
	check("three ingress rules, one egress", len(rep.Ingress) == 3 && len(rep.Egress) == 1)
	seen := func(list []sgadvisor.Seen, port int, reason string) bool {
		return slices.ContainsFunc(list, func(s sgadvisor.Seen) bool { return s.Port == port && strings.Contains(s.Reason, reason) })
	}
	check("the indicator's traffic is listed with the indicator", seen(rep.NotRecommended, 443, "indicator 203.0.113.99 (known bad) listed at bad.txt:1"))
	check("two ephemeral ports are listed, not recommended", seen(rep.NotRecommended, 46000, "no fixed service port") || seen(rep.NotRecommended, 45000, "no fixed service port"))
	check("a scanner's fixed source port is listed, not recommended", seen(rep.NotRecommended, 61000, "no fixed service port") && ruleOf(rep.Egress, "tcp", 61000) == nil)
	check("two ports in the NAT range, once, are listed, not recommended", seen(rep.NotRecommended, 5000, "no fixed service port") && ruleOf(rep.Ingress, "tcp", 5000) == nil && ruleOf(rep.Ingress, "tcp", 8080) == nil)
	i := slices.IndexFunc(rep.Exposure, func(s sgadvisor.Seen) bool { return s.Port == 8081 })
	check("the unanswered probe is exposure, admitted by nothing known", seen(rep.Exposure, 8081, "never answered") && i >= 0 && len(rep.Exposure[i].AdmittedBy) == 0)
	check("the probes nothing answered are exposure, whatever the scanner's source port", seen(rep.Exposure, 23, "never answered") && seen(rep.Exposure, 25, "never answered"))
}

func TestRecommend_DiffWithCurrentRules(t *testing.T) {
	rep := recommend(t, smallLake(t), sgadvisor.Options{Subject: sgadvisor.Subject{Kind: sgadvisor.KindWorkload, ID: "web-2"}, InternetPeers: 2})
	d := rep.Diff
	has := func(list []sgadvisor.DiffRule, dir, proto string, from int, peer string) bool {
		return slices.ContainsFunc(list, func(r sgadvisor.DiffRule) bool {
			return r.Direction == dir && r.Protocol == proto && r.FromPort == from && r.Peer == peer
		})
	}
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"keep 443 from anywhere, used by the internet", has(d.Keep, "ingress", "tcp", 443, "0.0.0.0/0")},
		{"remove SSH from the two admin groups: nothing used it", has(d.Remove, "ingress", "tcp", 22, "sg-0e5f60718293a4b5c") && has(d.Remove, "ingress", "tcp", 22, "sg-0f60718293a4b5c6d")},
		{"remove ICMP from the VPC: nothing used it", has(d.Remove, "ingress", "icmp", 8, "10.0.0.0/16")},
		{"narrow all egress to what was called", has(d.Narrow, "egress", "-1", -1, "0.0.0.0/0")},
		{"add 50051 and 8000-8002 from web-1's group", has(d.Add, "ingress", "tcp", 50051, "sg-0a1b2c3d4e5f60718") && has(d.Add, "ingress", "tcp", 8000, "sg-0a1b2c3d4e5f60718")},
		{"add the database call: the allow-all it used is narrowed", has(d.Add, "egress", "tcp", 5432, "sg-0b2c3d4e5f6071829")},
		{"nothing added for what a kept rule admits", !has(d.Add, "ingress", "tcp", 443, "0.0.0.0/0")},
	} {
		if !c.ok {
			t.Errorf("%s: %+v", c.what, d)
		}
	}
	for _, n := range d.Narrow {
		if len(n.To) == 0 {
			t.Errorf("a narrowed rule without what it becomes: %+v", n)
		}
	}
}

func TestRecommend_Failure(t *testing.T) {
	e := testlake.OpenDir(t, smallLake(t))
	for _, c := range []struct {
		s    sgadvisor.Subject
		want string
	}{
		{sgadvisor.Subject{Kind: sgadvisor.KindWorkload, ID: "nope"}, `cannot advise: no interface carried the Name tag "nope"`},
		{sgadvisor.Subject{Kind: sgadvisor.KindENI, ID: "eni-0000"}, "cannot advise: no interface eni-0000"},
		{sgadvisor.Subject{Kind: sgadvisor.KindInstance, ID: "i-0000"}, "cannot advise: no instance i-0000"},
		{sgadvisor.Subject{Kind: sgadvisor.KindGroup, ID: "sg-0000"}, "cannot advise: no interface held the security group sg-0000"},
		{sgadvisor.Subject{Kind: "vpc", ID: "x"}, `cannot advise: unknown subject kind "vpc"`},
	} {
		_, err := sgadvisor.Run(context.Background(), e, sgadvisor.Options{Subject: c.s})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.s, err, c.want)
		}
	}
}
