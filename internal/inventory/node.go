package inventory

import (
	"encoding/json"
	"strconv"
	"strings"
)

// node is one value of a decoded JSON document, read leniently: EC2's
// CloudTrail parameters come in more than one shape for the same thing.
// Keys match case-insensitively (the XML-derived "GroupId" and the JSON
// "groupId"), a list may be wrapped as {"items": […]} or {"item": […]} or
// be a single object, and numbers and booleans may arrive as strings.
type node struct{ v any }

func parse(doc string) node {
	if doc == "" {
		return node{}
	}
	var v any
	d := json.NewDecoder(strings.NewReader(doc))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return node{}
	}
	return node{v}
}

func (n node) missing() bool { return n.v == nil }

// get returns the member named key, matched case-insensitively; the first
// key that matches wins. Several keys try each in turn.
func (n node) get(keys ...string) node {
	m, ok := n.v.(map[string]any)
	if !ok {
		return node{}
	}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return node{v}
		}
		for mk, v := range m {
			if strings.EqualFold(mk, k) {
				return node{v}
			}
		}
	}
	return node{}
}

// path follows nested members: n.path("a", "b") is n.get("a").get("b").
func (n node) path(keys ...string) node {
	for _, k := range keys {
		n = n.get(k)
	}
	return n
}

// list reads a collection in any of its shapes: a JSON array, an object
// wrapping one under "items" or "item", or a single object (a set of
// one, as the XML-derived shapes write it).
func (n node) list() []node {
	switch v := n.v.(type) {
	case []any:
		out := make([]node, 0, len(v))
		for _, x := range v {
			out = append(out, node{x})
		}
		return out
	case map[string]any:
		if len(v) == 0 {
			return nil
		}
		for _, k := range []string{"items", "item"} {
			if w := n.get(k); !w.missing() {
				return w.list()
			}
		}
		return []node{n}
	}
	return nil
}

// str reads a string or a number as text.
func (n node) str() string {
	switch v := n.v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// integer reads a number, or a string holding one.
func (n node) integer() (int64, bool) {
	s := strings.TrimSpace(n.str())
	if s == "" {
		return 0, false
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, false
		}
		return int64(f), true
	}
	return i, true
}

// boolean reads true/false, or the strings "true"/"false".
func (n node) boolean() (bool, bool) {
	switch v := n.v.(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		return b, err == nil
	}
	return false, false
}

// strs collects one string member from each element of a collection:
// groupSet → group IDs.
func (n node) strs(key ...string) []string {
	var out []string
	for _, e := range n.list() {
		if s := e.get(key...).str(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// tags reads a tag set ([{key,value}] in any shape) into a map.
func (n node) tags() map[string]string {
	out := map[string]string{}
	for _, t := range n.list() {
		if k := t.get("key").str(); k != "" {
			out[k] = t.get("value").str()
		}
	}
	return out
}
