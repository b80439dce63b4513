package gen

import (
	"math"
	"net/netip"
	"strconv"
)

// Everything random in the estate is a pure function of the seed and of
// where it is drawn (an edge, a minute, a window), so that generators that
// run in parallel and see the same conversation from different ends agree
// on it without sharing state.

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash combines values into one well-mixed 64-bit key.
func hash(vs ...uint64) uint64 {
	h := uint64(0x6a09e667f3bcc909)
	for _, v := range vs {
		h = mix(h ^ mix(v+0x9e3779b97f4a7c15))
	}
	return h
}

// hashString folds a string into a key, for labels such as region names.
func hashString(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 0x100000001b3
	}
	return mix(h)
}

// rng is a splitmix64 stream: tiny, fast and the same on every platform.
type rng struct{ s uint64 }

func newRNG(vs ...uint64) rng { return rng{s: hash(vs...)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// intn returns a value in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// float returns a value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// exp draws from an exponential distribution with the given mean.
func (r *rng) exp(mean float64) float64 { return -mean * math.Log(1-r.float()) }

// poisson draws a count with mean lambda: Knuth's method for small means,
// a rounded normal for large ones (the benchmarks run means in the hundreds).
func (r *rng) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 40 {
		n := math.Round(lambda + math.Sqrt(lambda)*r.normal())
		return int(max(n, 0))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.float()
		if p <= l {
			return k
		}
		k++
	}
}

// normal draws a standard normal value (Box–Muller).
func (r *rng) normal() float64 {
	u1 := 1 - r.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*r.float())
}

const hexDigits = "0123456789abcdef"

// hexID returns prefix followed by 17 hex digits, the shape of current EC2
// resource IDs (i-0…, eni-0…, vpc-0…).
func hexID(prefix string, r *rng) string {
	b := make([]byte, 0, len(prefix)+17)
	b = append(b, prefix...)
	b = append(b, '0')
	return string(appendHex(b, r.next(), 16))
}

// appendHex appends the low n hex digits of v.
func appendHex(b []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(4*uint(i)))&15])
	}
	return b
}

// uuid returns a random version-4 UUID, as CloudTrail's eventID.
func uuid(r *rng) string {
	a, c := r.next(), r.next()
	a = a&^(0xf<<12) | 4<<12
	c = c&^(3<<62) | 2<<62
	b := make([]byte, 0, 36)
	b = appendHex(b, a>>32, 8)
	b = append(b, '-')
	b = appendHex(b, a>>16, 4)
	b = append(b, '-')
	b = appendHex(b, a, 4)
	b = append(b, '-')
	b = appendHex(b, c>>48, 4)
	b = append(b, '-')
	return string(appendHex(b, c, 12))
}

// alnum returns n random letters and digits, as in CloudTrail object names.
func alnum(r *rng, n int) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.intn(len(set))]
	}
	return string(b)
}

// accountID returns a 12-digit account ID; lead0 forces a leading zero,
// which real account IDs have and which breaks code that stores them as
// numbers.
func accountID(r *rng, lead0 bool) string {
	b := make([]byte, 0, 12)
	if lead0 {
		b = append(b, '0', byte('1'+r.intn(9)))
	} else {
		b = append(b, byte('1'+r.intn(9)))
	}
	for len(b) < 12 {
		b = append(b, byte('0'+r.intn(10)))
	}
	return string(b)
}

// ipv4 renders a.b.c.d.
func ipv4(a, b, c, d int) string {
	buf := make([]byte, 0, 15)
	for i, v := range [4]int{a, b, c, d} {
		if i > 0 {
			buf = append(buf, '.')
		}
		buf = strconv.AppendInt(buf, int64(v), 10)
	}
	return string(buf)
}

// randomV6 fills the bytes of prefix after the first n at random and
// renders the address in canonical form (RFC 5952), as AWS writes it.
func randomV6(prefix [16]byte, n int, r *rng) string {
	for i := n; i < 16; i++ {
		prefix[i] = byte(r.intn(256))
	}
	return netip.AddrFrom16(prefix).String()
}
