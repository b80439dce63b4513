package inventory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Snapshot item kinds, as the snapshots table's kind column holds them.
const (
	SnapshotInstance          = "instance"
	SnapshotNetworkInterface  = "network_interface"
	SnapshotSecurityGroup     = "security_group"
	SnapshotSecurityGroupRule = "security_group_rule"
)

// MaxSnapshotItem bounds one item of a snapshot. An instance with every
// option AWS offers prints in tens of kilobytes, so a bigger item is
// broken or hostile and its source is refused.
const MaxSnapshotItem = 16 << 20

// maxSnapshotReservation bounds the instances of one reservation held in
// memory: the AWS CLI prints a reservation's Instances before its
// OwnerId and ReservationId, which every instance's document receives.
const maxSnapshotReservation = 64 << 20

// ErrSnapshotItemTooLarge is returned for an item past MaxSnapshotItem.
var ErrSnapshotItemTooLarge = errors.New("snapshot item larger than 16 MiB")

// SnapshotItem is one resource of an `aws ec2 describe-*` snapshot.
type SnapshotItem struct {
	Kind       string // one of the Snapshot* kinds
	ResourceID string // InstanceId, NetworkInterfaceId, GroupId or SecurityGroupRuleId
	AccountID  string // OwnerId (GroupOwnerId for a rule); "" when absent
	Region     string // from the availability zone or the ARN; "" when neither says
	// Document is the item's JSON as the CLI printed it, compacted. An
	// instance also receives its reservation's OwnerId and ReservationId
	// when it lacks them.
	Document []byte
	Index    int64 // 1-based position of the item in the source
	problem  *SnapshotItemError
}

// SnapshotItemError says why an item cannot be used: the field at fault
// and what is wrong with it.
type SnapshotItemError struct {
	Index  int64
	Kind   string
	Field  string // "" when the item as a whole is at fault
	Reason string
}

func (e *SnapshotItemError) Error() string {
	if e.Field == "" {
		return e.Kind + ": " + e.Reason
	}
	return e.Kind + ": " + e.Field + ": " + e.Reason
}

// Validate reports an item that is not an object, is not UTF-8, or lacks
// its resource ID; such an item belongs in the quarantine.
func (it SnapshotItem) Validate() error {
	if it.problem == nil {
		return nil
	}
	return it.problem
}

// snapshotShape is what each describe-* output calls its pieces.
type snapshotShape struct {
	kind    string
	id      string // the member naming the resource
	account string // the member naming the owning account
	arn     string // the member holding the resource's ARN, if any
}

// snapshotShapes is keyed by the output's top-level member.
var snapshotShapes = map[string]snapshotShape{
	"Reservations":       {SnapshotInstance, "InstanceId", "OwnerId", ""},
	"NetworkInterfaces":  {SnapshotNetworkInterface, "NetworkInterfaceId", "OwnerId", ""},
	"SecurityGroups":     {SnapshotSecurityGroup, "GroupId", "OwnerId", "SecurityGroupArn"},
	"SecurityGroupRules": {SnapshotSecurityGroupRule, "SecurityGroupRuleId", "GroupOwnerId", "SecurityGroupRuleArn"},
}

// snapshotSniffKeys is how many top-level members SniffSnapshot passes
// over (scalars such as a leading NextToken) before it gives up.
const snapshotSniffKeys = 4

// SniffSnapshot reports whether head, the start of a decompressed object,
// is the JSON output of `aws ec2 describe-instances`,
// `describe-network-interfaces`, `describe-security-groups` or
// `describe-security-group-rules`: a top-level object whose first
// members, past any scalars, include one of their arrays. CloudTrail's
// {"Records": …} and flow-log envelopes have none of those names, and a
// head that is not JSON never matches.
//
// The output of `--query` (a bare array, or renamed members) is not
// recognised: without the top-level name nothing says what the items are.
func SniffSnapshot(head []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimLeft(head, " \t\r\n\ufeff")))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for range snapshotSniffKeys {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return false
		}
		v, err := dec.Token()
		if err != nil {
			return false
		}
		if _, known := snapshotShapes[key]; known {
			return v == json.Delim('[')
		}
		if _, composite := v.(json.Delim); composite {
			return false
		}
	}
	return false
}

// SplitSnapshot streams the items of a describe-* snapshot to emit, one at
// a time, numbered from 1 in the order they appear. Several outputs may
// follow one another in one source. An instance's reservation is held
// until its end (its OwnerId and ReservationId come after its Instances).
// An item that is unusable (not an object, no resource ID) is still
// emitted: its Validate says why. An item larger than MaxSnapshotItem,
// JSON that does not parse, or members that are not the CLI's shapes stop
// the source with an error.
func SplitSnapshot(r io.Reader, emit func(SnapshotItem) error) error {
	return splitSnapshot(r, MaxSnapshotItem, emit)
}

func splitSnapshot(r io.Reader, limit int64, emit func(SnapshotItem) error) error {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	in := &snapshotBudget{r: br}
	s := &snapshotSplitter{dec: json.NewDecoder(in), in: in, limit: limit, emit: emit}
	for {
		s.arm()
		t, err := s.dec.Token()
		if errors.Is(err, io.EOF) {
			return nil // the end, between top-level values
		}
		if err != nil {
			return s.wrap(err)
		}
		if t != json.Delim('{') {
			return fmt.Errorf("cannot read snapshot: the top-level value is %s, not the object `aws ec2 describe-…` prints", snapshotTokenName(t))
		}
		if err := s.object(); err != nil {
			return err
		}
	}
}

// snapshotSplitter walks a snapshot with the decoder's tokens, decoding
// whole values only for items, so memory holds one item at a time.
type snapshotSplitter struct {
	dec   *json.Decoder
	in    *snapshotBudget
	limit int64
	n     int64 // items read
	emit  func(SnapshotItem) error
}

// snapshotReservation is one element of Reservations as far as it has
// been read: the fields its instances inherit, and the instances waiting
// for them.
type snapshotReservation struct {
	owner, id         json.RawMessage // as read; see ownerSeen, idSeen
	ownerSeen, idSeen bool
	pending           []SnapshotItem
	pendingBytes      int
}

// object reads one top-level object: the arrays it knows, skipping the
// rest (NextToken and the like).
func (s *snapshotSplitter) object() error {
	for s.more() {
		key, err := s.key()
		if err != nil {
			return err
		}
		shape, known := snapshotShapes[key]
		switch {
		case !known:
			_, err = s.value()
		case shape.kind == SnapshotInstance:
			err = s.array(key, s.reservation)
		default:
			err = s.array(key, func() error { return s.item(shape) })
		}
		if err != nil {
			return err
		}
	}
	return s.end()
}

// array reads the array that is member key's value, calling each per
// element.
func (s *snapshotSplitter) array(key string, each func() error) error {
	t, err := s.token()
	if err != nil {
		return err
	}
	if t != json.Delim('[') {
		return fmt.Errorf("cannot read snapshot: %s is %s, not an array", key, snapshotTokenName(t))
	}
	for s.more() {
		if err := each(); err != nil {
			return err
		}
	}
	return s.end()
}

// item reads one element of a NetworkInterfaces, SecurityGroups or
// SecurityGroupRules array.
func (s *snapshotSplitter) item(shape snapshotShape) error {
	doc, err := s.value()
	if err != nil {
		return err
	}
	s.n++
	return s.emit(newSnapshotItem(shape, doc, s.n, nil))
}

// reservation reads one element of Reservations, emitting its instances
// once their reservation's OwnerId and ReservationId are known.
func (s *snapshotSplitter) reservation() error {
	t, err := s.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return fmt.Errorf("cannot read snapshot: a reservation is %s, not an object", snapshotTokenName(t))
	}
	res := &snapshotReservation{}
	for s.more() {
		if err := s.reservationMember(res); err != nil {
			return err
		}
	}
	if err := s.end(); err != nil {
		return err
	}
	for _, it := range res.pending {
		if err := s.emit(finishSnapshotInstance(it, res)); err != nil {
			return err
		}
	}
	return nil
}

func (s *snapshotSplitter) reservationMember(res *snapshotReservation) error {
	key, err := s.key()
	if err != nil {
		return err
	}
	switch key {
	case "Instances":
		return s.array(key, func() error { return s.instance(res) })
	case "OwnerId":
		res.owner, err = s.value()
		res.ownerSeen = true
	case "ReservationId":
		res.id, err = s.value()
		res.idSeen = true
	default:
		_, err = s.value()
	}
	return err
}

// instance reads one instance: emitted at once when its reservation's
// fields were already read, else held until the reservation ends.
func (s *snapshotSplitter) instance(res *snapshotReservation) error {
	doc, err := s.value()
	if err != nil {
		return err
	}
	s.n++
	it := SnapshotItem{Kind: SnapshotInstance, Document: doc, Index: s.n}
	// Items leave in file order: once one is held (a repeated Instances
	// key can follow the reservation's fields), the rest wait behind it.
	if res.ownerSeen && res.idSeen && len(res.pending) == 0 {
		return s.emit(finishSnapshotInstance(it, res))
	}
	res.pendingBytes += cap(doc) // what holding it costs
	if res.pendingBytes > maxSnapshotReservation {
		return fmt.Errorf("cannot read snapshot: the reservation holding item %d has more than %d MiB of instances before its OwnerId and ReservationId", s.n, maxSnapshotReservation>>20)
	}
	res.pending = append(res.pending, it)
	return nil
}

func finishSnapshotInstance(it SnapshotItem, res *snapshotReservation) SnapshotItem {
	return newSnapshotItem(snapshotShapes["Reservations"], it.Document, it.Index, res)
}

// key reads a member name.
func (s *snapshotSplitter) key() (string, error) {
	t, err := s.token()
	if err != nil {
		return "", err
	}
	k, _ := t.(string) // inside an object the decoder yields only string keys
	return k, nil
}

// end reads the closing delimiter of the current object or array.
func (s *snapshotSplitter) end() error {
	_, err := s.token()
	return err
}

// value decodes the next whole value, compacted, within the item limit.
func (s *snapshotSplitter) value() ([]byte, error) {
	s.arm()
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		return nil, s.wrap(err)
	}
	var b bytes.Buffer
	b.Grow(len(raw))
	if err := json.Compact(&b, raw); err != nil {
		return nil, s.wrap(err)
	}
	return b.Bytes(), nil
}

// token reads the next token inside a top-level value, where the end of
// the input is an error.
func (s *snapshotSplitter) token() (json.Token, error) {
	s.arm()
	t, err := s.dec.Token()
	if err != nil {
		return nil, s.wrap(err)
	}
	return t, nil
}

// more reports whether the current object or array has another element;
// a read error shows at the next token.
func (s *snapshotSplitter) more() bool {
	s.arm()
	return s.dec.More()
}

// arm lets the decoder read at most limit bytes past what it has consumed.
func (s *snapshotSplitter) arm() { s.in.limit = s.dec.InputOffset() + s.limit }

func (s *snapshotSplitter) wrap(err error) error {
	if errors.Is(err, errSnapshotBudget) {
		return fmt.Errorf("cannot read snapshot item %d near byte %d: %w", s.n+1, s.dec.InputOffset(), ErrSnapshotItemTooLarge)
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("cannot read snapshot near byte %d (after item %d): %w", s.dec.InputOffset(), s.n, err)
}

// newSnapshotItem fills an item's fields from its document; res, for an
// instance, supplies what the reservation holds.
func newSnapshotItem(shape snapshotShape, doc []byte, index int64, res *snapshotReservation) SnapshotItem {
	it := SnapshotItem{Kind: shape.kind, Document: doc, Index: index}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil || m == nil {
		it.problem = &SnapshotItemError{Index: index, Kind: shape.kind, Reason: "not a JSON object"}
		return it
	}
	if res != nil {
		it.Document = addSnapshotMembers(doc, m, res)
	}
	it.ResourceID = snapshotString(m[shape.id])
	it.AccountID = snapshotString(m[shape.account])
	it.Region = snapshotRegion(m, shape)
	it.problem = checkSnapshotItem(it, m, shape)
	return it
}

// addSnapshotMembers appends the reservation's OwnerId and ReservationId
// to an instance document that lacks them, recording them in m too.
func addSnapshotMembers(doc []byte, m map[string]json.RawMessage, res *snapshotReservation) []byte {
	add := []struct {
		name string
		v    json.RawMessage
		ok   bool
	}{{"OwnerId", res.owner, res.ownerSeen}, {"ReservationId", res.id, res.idSeen}}
	out := doc[: len(doc)-1 : len(doc)-1] // the object without its closing brace
	for _, a := range add {
		if _, has := m[a.name]; has || !a.ok {
			continue
		}
		if len(m) > 0 {
			out = append(out, ',')
		}
		out = append(append(append(out, '"'), a.name...), `":`...)
		out = append(out, a.v...)
		m[a.name] = a.v
	}
	return append(out, '}')
}

func checkSnapshotItem(it SnapshotItem, m map[string]json.RawMessage, shape snapshotShape) *SnapshotItemError {
	fail := func(field, reason string) *SnapshotItemError {
		return &SnapshotItemError{Index: it.Index, Kind: it.Kind, Field: field, Reason: reason}
	}
	switch raw, ok := m[shape.id]; {
	case !utf8.Valid(it.Document):
		return fail("", "not valid UTF-8")
	case !ok:
		return fail(shape.id, "missing")
	case it.ResourceID == "" && len(raw) > 0 && raw[0] == '"':
		return fail(shape.id, "empty")
	case it.ResourceID == "":
		return fail(shape.id, "not a string")
	}
	return nil
}

// snapshotString reads a JSON string; anything else reads as "".
func snapshotString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// snapshotRegion takes the region from the item's ARN, else from its
// availability zone (Placement.AvailabilityZone for an instance).
func snapshotRegion(m map[string]json.RawMessage, shape snapshotShape) string {
	if shape.arn != "" {
		if r := snapshotARNRegion(snapshotString(m[shape.arn])); r != "" {
			return r
		}
	}
	az := snapshotString(m["AvailabilityZone"])
	if p := m["Placement"]; az == "" && len(p) > 0 {
		var placement map[string]json.RawMessage
		if json.Unmarshal(p, &placement) == nil {
			az = snapshotString(placement["AvailabilityZone"])
		}
	}
	return snapshotZoneRegion(az)
}

// snapshotARNRegion reads the region of arn:partition:service:region:….
func snapshotARNRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

// snapshotZoneRegion names the region of an availability zone, Local Zone
// or Wavelength Zone: the name up to the number that ends the region's
// part, so us-east-1a, us-west-2-lax-1a and us-east-1-wl1-bos-wlz-1 are
// us-east-1, us-west-2 and us-east-1. A zone ID (use1-az1) or anything
// else unrecognised gives "".
func snapshotZoneRegion(az string) string {
	parts := strings.Split(az, "-")
	for i, p := range parts {
		if p == "" || !isSnapshotLower(p[:1]) {
			if i < 2 || p == "" {
				return ""
			}
			digits := strings.TrimRight(p, "abcdefghijklmnopqrstuvwxyz")
			if !isSnapshotDigits(digits) {
				return ""
			}
			return strings.Join(parts[:i], "-") + "-" + digits
		}
		if !isSnapshotLower(p) {
			return ""
		}
	}
	return ""
}

func isSnapshotLower(s string) bool {
	for _, c := range []byte(s) {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func isSnapshotDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func snapshotTokenName(t json.Token) string {
	switch t := t.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case nil:
		return "null"
	}
	return "a scalar"
}

// errSnapshotBudget is the budget reader's refusal; the splitter turns it
// into ErrSnapshotItemTooLarge with the item's position.
var errSnapshotBudget = errors.New("read budget exhausted")

// snapshotBudget lets the decoder read only up to limit, so one huge value
// fails after limit bytes instead of filling memory.
type snapshotBudget struct {
	r     io.Reader
	n     int64
	limit int64
}

func (b *snapshotBudget) Read(p []byte) (int, error) {
	if b.n >= b.limit {
		return 0, errSnapshotBudget
	}
	if int64(len(p)) > b.limit-b.n {
		p = p[:b.limit-b.n]
	}
	k, err := b.r.Read(p)
	b.n += int64(k)
	return k, err
}
