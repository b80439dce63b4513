package gen

import "slices"

// The injected traffic obeys the same security groups that cloudtrail.go
// writes (rules), so that a connection is ACCEPTed exactly when a rule in
// the trail admits it, and answered only where a service listens.

// incident is the debugging group bob opens to the world (see
// ctGen.incident): in the last account's VPC in the first region, at a
// time drawn in the middle of the period (50–65%), attached two minutes
// later to the web instance running then. It admits SSH from anywhere from then on, and every port from 22
// to 3389 three minutes after that.
type incident struct {
	v    *vpc
	at   int64
	inst *instance // nil when no web instance serves then
}

func (e *estate) findIncident() *incident {
	if len(e.accounts) < 2 {
		return nil
	}
	for _, v := range e.vpcs {
		if v.acct.idx == len(e.accounts)-1 && v.region.name == e.cfg.Regions[0] {
			r := newRNG(e.seed, hashString("incident"))
			at := e.at(0.5 + 0.15*r.float())
			return &incident{v: v, at: at, inst: v.wl("web").runningAt(at + 120)}
		}
	}
	return nil
}

// debugOpen says whether bob's group admits port on in at t.
func (e *estate) debugOpen(in *instance, port int, t int64) bool {
	inc := e.incident
	if inc == nil || inc.inst != in {
		return false
	}
	return t >= inc.at+120 && port == 22 || t >= inc.at+300 && port >= 22 && port <= 3389
}

// admits says whether the security groups of dst let a TCP connection to
// port in from src at t. The estate has no UDP rules.
func (e *estate) admits(dst *instance, src end, proto, port int, t int64) bool {
	if proto != 6 {
		return false
	}
	kind := dst.wl.spec.kind
	if !isV6(src.ip) && e.debugOpen(dst, port, t) {
		return true
	}
	var from *workload
	if src.inst != nil {
		from = src.inst.wl
	}
	switch {
	case kind == "web" && (port == 443 || port == 80 || port == legacyConsolePort):
		return port == 443 || !isV6(src.ip)
	case kind == "bastion":
		return port == 22 && inPrefix(src.ip, adminCIDR)
	case from == nil:
		return false
	case from.vpc == dst.wl.vpc:
		return sameVPCRule(kind, from.spec.kind, port)
	}
	return e.crossVPCRule(dst.wl, from.vpc, port)
}

// sameVPCRule mirrors the group references of ctGen.rules.
func sameVPCRule(kind, from string, port int) bool {
	switch {
	case port == 22 && from == "bastion":
		return true
	case kind == "api":
		return port == 8080 && from == "web"
	case kind == "payment":
		return port == 8443 && from == "api"
	case kind == "db":
		return port == 5432 && (from == "api" || from == "batch") || port == retiredCachePort
	}
	return false
}

// crossVPCRule mirrors ctGen.crossAccountRules: rules by the peer VPCs'
// CIDRs, for traffic through the transit gateway.
func (e *estate) crossVPCRule(w *workload, from *vpc, port int) bool {
	if e.tgw == nil {
		return false
	}
	vs := e.tgw.vpcs
	i, j := slices.Index(vs, w.vpc), slices.Index(vs, from)
	if i < 0 || j < 0 {
		return false
	}
	switch kind := w.spec.kind; {
	case kind == "payment" && port == 8443:
		return j == (i+len(vs)-1)%len(vs)
	case kind == "db" && port == 5432 && i == 0:
		return j > 0
	case port == 22 && i > 0 && (kind == "web" || kind == "api" || kind == "db"):
		return j == 0
	}
	return false
}

// listens says whether a service answers on port: the workloads' own
// services and SSH; RDP and WinRM on the Windows batch hosts.
func listens(in *instance, port int) bool {
	if port == 22 {
		return true
	}
	switch in.wl.spec.kind {
	case "web":
		return port == 80 || port == 443
	case "api":
		return port == 8080
	case "payment":
		return port == 8443
	case "db":
		return port == 5432
	case "batch":
		return port == 3389 || port == 5985
	}
	return false
}

// outcome is what becomes of a TCP connection from src to port on dst at t.
func (e *estate) outcome(dst *instance, src end, port int, t int64) outcome {
	switch {
	case !e.admits(dst, src, 6, port, t):
		return rejected
	case !listens(dst, port):
		return unanswered
	}
	return answered
}

// ifaceAt returns the interface of VPC v that holds address ip at t, as a
// shot's end; the end has no interface when nothing holds it.
func (v *vpc) ifaceAt(ip string, t int64) end {
	for _, f := range v.ifaces {
		if f.ip != ip {
			continue
		}
		if f.inst == nil {
			return ifcEnd(f)
		}
		if f.inst.launch <= t && t < f.inst.terminate {
			return instEnd(f.inst)
		}
	}
	return addrEnd(ip)
}
