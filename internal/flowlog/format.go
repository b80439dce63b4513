package flowlog

import (
	"fmt"
	"strings"
)

// Format is the ordered list of fields a source's lines carry.
type Format struct {
	Fields  []int    // field id per position; -1 for a field the catalogue does not know
	Unknown []string // names of the unknown fields, in order of appearance
	Table   Table    // VPC or TGW
}

// DefaultV2 is the default VPC format: every version 2 field in catalogue order.
var DefaultV2 = mustFormat("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")

// DefaultTGW is the Transit Gateway default format: all version 2 to 6 fields.
var DefaultTGW = mustFormat("version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service")

const v5All = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
const ecsAll = "ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id"

// headerless maps the token count of a headerless record to the "all
// fields" layout that the console offers for it. Used only when a source
// has no header and the user named no format (CloudWatch Logs exports).
var headerless = map[int]Format{
	14: DefaultV2,
	29: mustFormat(v5All),
	36: DefaultTGW,
	39: mustFormat(v5All + " " + ecsAll),
	40: mustFormat(v5All + " " + ecsAll + " reject-reason"),
}

// ForFieldCount returns the well-known layout for a headerless record with n
// fields, if there is one.
func ForFieldCount(n int) (Format, bool) {
	f, ok := headerless[n]
	return f, ok
}

func mustFormat(s string) Format {
	f, err := ParseFormat(s)
	if err != nil {
		panic(err)
	}
	return f
}

// ParseFormat reads a format from a header line ("version account-id …"),
// from AWS's LogFormat string ("${version} ${account-id} …") or from
// Parquet column names ("account_id"). Unknown names become text columns.
func ParseFormat(s string) (Format, error) {
	toks := strings.Fields(s)
	if len(toks) == 0 {
		return Format{}, fmt.Errorf("cannot parse flow-log format: it names no fields")
	}
	f := Format{Fields: make([]int, len(toks)), Table: VPC}
	seen := map[string]bool{} // catalogue names for known fields, so "tcp-flags tcp_flags" is a repeat
	for i, t := range toks {
		name := strings.TrimSuffix(strings.TrimPrefix(t, "${"), "}")
		if !validName(name) {
			return Format{}, fmt.Errorf("cannot parse flow-log format: field %d %q is not a field name", i+1, t)
		}
		id, ok := Lookup(name)
		key := name
		if ok {
			key = Catalogue[id].Name
		}
		if seen[key] {
			return Format{}, fmt.Errorf("cannot parse flow-log format: field %q appears twice", key)
		}
		seen[key] = true
		if !ok {
			f.Fields[i] = -1
			f.Unknown = append(f.Unknown, name)
			continue
		}
		f.Fields[i] = id
		if Catalogue[id].Tables == TGW {
			f.Table = TGW
		}
	}
	return f, nil
}

// validName accepts the shape of a field name: lower-case letters, digits,
// '-' and '_', starting with a letter.
func validName(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// IsHeader reports whether a line is a header: every token a field name and
// at least one a known field. Records always carry digits or "-" somewhere
// a name cannot, so a record never passes. It allocates nothing for the
// common case, a record starting with its version number.
func IsHeader(line []byte) bool {
	if len(line) == 0 || line[0] < 'a' || line[0] > 'z' {
		return false
	}
	known := false
	for _, t := range splitFields(line, nil) {
		if !validName(string(t)) {
			return false
		}
		if _, ok := byName[string(t)]; ok {
			known = true
		}
	}
	return known
}

// String renders the format as a header line.
func (f Format) String() string {
	parts := make([]string, len(f.Fields))
	u := 0
	for i, id := range f.Fields {
		if id < 0 {
			parts[i] = f.Unknown[u]
			u++
			continue
		}
		parts[i] = Catalogue[id].Name
	}
	return strings.Join(parts, " ")
}
