package gen

import (
	"math"
	"net/netip"
)

// A pool is a set of addresses outside the estate: internet clients,
// scanners, the office, destinations on the internet. Picks are skewed so
// that a few members are heavy (top talkers) and most are light.
type pool struct {
	addrs   []string
	svc     []string // pkt-*-aws-service of each address, "-" when not AWS
	windows []bool   // the member uses Windows ephemeral ports
	skew    float64  // pick index n·u^skew; 1 is uniform
	v6      bool
}

func (p *pool) pick(r *rng) int {
	i := int(float64(len(p.addrs)) * math.Pow(r.float(), p.skew))
	return min(i, len(p.addrs)-1)
}

type pools struct {
	clients4, clients6, scanners, office, monitors *pool
	web, aws, payment, ntp                         *pool
}

// Public first octets of consumer and hosting networks; none is private,
// reserved or documentation space.
var clientOctets = []int{24, 31, 37, 46, 50, 66, 68, 71, 73, 76, 78, 81, 82, 86, 90, 92, 98, 99, 108, 109, 151, 174, 176, 188, 195, 212, 213, 217}

// Networks that scan the whole IPv4 space all day.
var scannerNets = [][3]int{{45, 143, 200}, {89, 248, 165}, {185, 224, 128}, {193, 163, 125}, {162, 142, 125}, {71, 6, 199}, {167, 94, 138}, {198, 235, 24}, {80, 82, 77}, {104, 152, 52}}

// IPv6 /32s of large access networks.
var client6Prefixes = []string{"2a02:c7c::", "2600:1700::", "2a01:e0a::", "2003:e2::", "2601:645::", "2a00:23c5::"}

func newPools(seed uint64) pools {
	r := newRNG(seed, hashString("pools"))
	return pools{
		clients4: clientPool(&r, 20000),
		clients6: client6Pool(&r, 2000),
		scanners: scannerPool(&r, 400),
		office:   fixedPool([]string{"203.0.113.10", "203.0.113.11", "203.0.113.12"}, nil),
		monitors: fixedPool([]string{"69.162.124.226", "69.162.124.227", "216.144.250.150"}, nil),
		web: fixedPool(
			[]string{"140.82.112.3", "140.82.113.4", "151.101.1.69", "151.101.65.69", "104.16.132.229", "104.18.32.7", "172.217.14.100", "142.250.72.36", "185.199.108.153", "13.107.42.14"}, nil),
		aws: fixedPool(
			[]string{"52.216.20.173", "52.217.101.8", "54.231.133.96", "3.5.29.21", "52.94.0.10", "52.94.5.98", "52.46.142.1", "54.239.28.85", "52.119.196.4", "3.218.182.4"},
			[]string{"S3", "S3", "S3", "S3", "DYNAMODB", "DYNAMODB", "AMAZON", "AMAZON", "AMAZON", "EC2"}),
		payment: fixedPool([]string{"54.187.174.169", "54.187.205.235", "54.241.31.99"}, []string{"EC2", "EC2", "EC2"}),
		ntp:     fixedPool([]string{"162.159.200.1", "162.159.200.123", "216.239.35.0", "216.239.35.4"}, nil),
	}
}

func clientPool(r *rng, n int) *pool {
	p := &pool{skew: 3}
	seen := map[string]bool{}
	for len(p.addrs) < n {
		a := ipv4(clientOctets[r.intn(len(clientOctets))], r.intn(256), r.intn(256), r.between(1, 254))
		if seen[a] {
			continue
		}
		seen[a] = true
		p.addrs = append(p.addrs, a)
		p.windows = append(p.windows, r.chance(0.35))
	}
	return p
}

func client6Pool(r *rng, n int) *pool {
	p := &pool{skew: 2, v6: true}
	for i := 0; i < n; i++ {
		pre := netip.MustParseAddr(client6Prefixes[r.intn(len(client6Prefixes))]).As16()
		p.addrs = append(p.addrs, randomV6(pre, 4, r))
		p.windows = append(p.windows, r.chance(0.35))
	}
	return p
}

func scannerPool(r *rng, n int) *pool {
	p := &pool{skew: 1.5}
	for i := 0; i < n; i++ {
		net := scannerNets[r.intn(len(scannerNets))]
		p.addrs = append(p.addrs, ipv4(net[0], net[1], net[2], r.between(1, 254)))
		p.windows = append(p.windows, false)
	}
	return p
}

func fixedPool(addrs, svc []string) *pool {
	return &pool{addrs: addrs, svc: svc, windows: make([]bool, len(addrs)), skew: 1}
}

func (p *pool) service(i int) string {
	if p.svc == nil {
		return "-"
	}
	return p.svc[i]
}
