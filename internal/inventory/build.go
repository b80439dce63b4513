package inventory

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// Event is one CloudTrail record, as the lake's cloudtrail table holds it.
// Failed calls (an error code) changed nothing and are not passed in.
type Event struct {
	Time              time.Time
	ID                string
	Name              string
	Account, Region   string
	Actor             Actor
	Request, Response string // JSON text
}

// Observation is one describe-* item, as the lake's snapshots table holds
// it: what was true at Time.
type Observation struct {
	Time            time.Time
	Kind            string // instance, network_interface, security_group, security_group_rule
	Account, Region string
	Document        string // the item's JSON as the AWS CLI printed it
}

// Build replays events and observations in time order (an observation
// after the events of the same instant) and returns the inventory.
func Build(events []Event, obs []Observation) *Inventory {
	s := newState()
	type step struct {
		t   time.Time
		obs bool
		i   int
	}
	steps := make([]step, 0, len(events)+len(obs))
	for i, e := range events {
		steps = append(steps, step{e.Time, false, i})
	}
	for i, o := range obs {
		steps = append(steps, step{o.Time, true, i})
	}
	slices.SortStableFunc(steps, func(a, b step) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		if a.obs != b.obs {
			if a.obs {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.i, b.i)
	})
	for _, st := range steps {
		if st.obs {
			s.observe(obs[st.i])
		} else {
			s.apply(events[st.i])
		}
	}
	return s.finish()
}

// state is the estate as replayed so far.
type state struct {
	enis    map[string]*eniState
	insts   map[string]*instState
	attach  map[string]string // attachment ID → interface ID
	groups  map[string]*Group
	rules   map[string]*Rule // live rules by ruleKey
	dead    []Rule           // rules removed, in removal order
	changes []Change
}

type eniState struct {
	cur     Interface
	hist    []Interface
	ownTags map[string]string
}

type instState struct {
	id              string
	tags            map[string]string
	enis            []string // attached interfaces, primary first
	account, region string
}

func newState() *state {
	return &state{enis: map[string]*eniState{}, insts: map[string]*instState{}, attach: map[string]string{},
		groups: map[string]*Group{}, rules: map[string]*Rule{}}
}

// eni returns the interface's state, creating it when first met. A
// first meeting that is not its creation means the interface existed
// before the evidence began.
func (s *state) eni(id string, t time.Time, created bool) *eniState {
	e := s.enis[id]
	if e == nil {
		e = &eniState{cur: Interface{ID: id, From: t, openStart: !created}, ownTags: map[string]string{}}
		if created {
			e.cur.Created = t
		}
		s.enis[id] = e
	}
	return e
}

func (s *state) inst(id string) *instState {
	in := s.insts[id]
	if in == nil {
		in = &instState{id: id, tags: map[string]string{}}
		s.insts[id] = in
	}
	return in
}

// update applies mut to the interface's state at t. A change starts a new
// stretch; a change at the very instant the stretch began amends it.
func (s *state) update(id string, t time.Time, origin string, mut func(*Interface)) {
	e := s.eni(id, t, false)
	next := cloneInterface(e.cur)
	mut(&next)
	s.derive(e, &next)
	if sameState(next, e.cur) {
		return
	}
	next.Origin = origin
	if !t.After(e.cur.From) {
		e.cur = next
		return
	}
	closed := e.cur
	closed.To = t
	e.hist = append(e.hist, closed)
	next.From, next.openStart = t, false
	e.cur = next
}

// derive fills the fields an interface takes from its instance: the
// instance's tags (and so its Name) when attached, else its own.
func (s *state) derive(e *eniState, i *Interface) {
	tags := e.ownTags
	if in := s.insts[i.InstanceID]; i.InstanceID != "" && in != nil && len(in.tags) > 0 {
		tags = in.tags
	}
	i.Tags = maps.Clone(tags)
	i.Name = nameTag(tags)
}

// nameTag is the Name tag. Tag keys are case-sensitive, but a "name" tag
// is plainly meant as one when no "Name" exists.
func nameTag(tags map[string]string) string {
	if v, ok := tags["Name"]; ok {
		return v
	}
	for k, v := range tags {
		if strings.EqualFold(k, "name") {
			return v
		}
	}
	return ""
}

// retag re-derives every interface of an instance after its tags changed.
func (s *state) retag(in *instState, t time.Time, origin string) {
	for _, id := range in.enis {
		s.update(id, t, origin, func(*Interface) {})
	}
}

// attachTo records that the interface now belongs to the instance.
func (s *state) attachTo(eniID, instID string, t time.Time, origin string) {
	in := s.inst(instID)
	if !slices.Contains(in.enis, eniID) {
		in.enis = append(in.enis, eniID)
	}
	s.update(eniID, t, origin, func(i *Interface) { i.InstanceID = instID })
}

func (s *state) detach(eniID string, t time.Time, origin string) {
	e := s.enis[eniID]
	if e == nil {
		return
	}
	if in := s.insts[e.cur.InstanceID]; in != nil {
		in.enis = slices.DeleteFunc(in.enis, func(x string) bool { return x == eniID })
	}
	s.update(eniID, t, origin, func(i *Interface) { i.InstanceID = "" })
}

func cloneInterface(i Interface) Interface {
	i.Tags = maps.Clone(i.Tags)
	i.PrivateIPs = slices.Clone(i.PrivateIPs)
	i.IPv6 = slices.Clone(i.IPv6)
	i.Groups = slices.Clone(i.Groups)
	return i
}

// sameState compares what a stretch records, not when it held.
func sameState(a, b Interface) bool {
	return a.Account == b.Account && a.Region == b.Region && a.VPC == b.VPC && a.Subnet == b.Subnet && a.AZ == b.AZ &&
		a.InstanceID == b.InstanceID && a.Name == b.Name && maps.Equal(a.Tags, b.Tags) &&
		slices.Equal(a.PrivateIPs, b.PrivateIPs) && slices.Equal(a.IPv6, b.IPv6) && slices.Equal(a.Groups, b.Groups) &&
		a.Description == b.Description && a.Type == b.Type && a.Deleted.Equal(b.Deleted)
}

// finish closes the replay: every interface's stretches in order, the
// first and last of each marked for matching.
func (s *state) finish() *Inventory {
	inv := &Inventory{Changes: s.changes}
	for _, id := range slices.Sorted(maps.Keys(s.enis)) {
		e := s.enis[id]
		all := append(e.hist, e.cur)
		all[0].first = true
		all[len(all)-1].last = true
		inv.Interfaces = append(inv.Interfaces, all...)
	}
	for _, id := range slices.Sorted(maps.Keys(s.groups)) {
		inv.Groups = append(inv.Groups, *s.groups[id])
	}
	inv.Rules = append(inv.Rules, s.dead...)
	for _, k := range slices.Sorted(maps.Keys(s.rules)) {
		inv.Rules = append(inv.Rules, *s.rules[k])
	}
	slices.SortStableFunc(inv.Rules, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), a.From.Compare(b.From), cmp.Compare(a.ID, b.ID))
	})
	flagUnusualActors(inv.Changes)
	return inv
}

// sortedUnique returns the set's members in order, without blanks.
func sortedUnique(xs []string) []string {
	xs = slices.DeleteFunc(slices.Clone(xs), func(x string) bool { return x == "" })
	slices.Sort(xs)
	return slices.Compact(xs)
}
