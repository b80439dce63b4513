package cloudtrail

import "bytes"

// Sniff reports whether the first bytes of a (decompressed) object look
// like CloudTrail, so that the ingest can route it. It looks only for key
// names, never parses, so a prefix cut mid-record is fine. Keys are also
// matched in their escaped form, \"eventVersion\", because CloudWatch Logs
// wrappers carry the event as a JSON string.
func Sniff(prefix []byte) bool {
	p := bytes.TrimLeft(prefix, " \t\r\n")
	p = bytes.TrimLeft(bytes.TrimPrefix(p, utf8BOM), " \t\r\n")
	if len(p) == 0 || (p[0] != '{' && p[0] != '[') {
		return false
	}
	p = p[:min(len(p), headBytes)]
	switch {
	case p[0] == '{' && firstKeyIs(p, "Records"):
		return true
	case hasKey(p, "eventVersion"), hasKey(p, "eventSource") && hasKey(p, "eventName"):
		return true
	case hasKey(p, "digestStartTime"), hasKey(p, "digestPublicKeyFingerprint"):
		return true
	}
	return hasKey(p, "detail-type") && bytes.Contains(p, []byte(`AWS API Call via CloudTrail`))
}

// hasKey reports whether p names key as a JSON key, plain or escaped
// inside a JSON string.
func hasKey(p []byte, key string) bool {
	return bytes.Contains(p, []byte(`"`+key+`"`)) || bytes.Contains(p, []byte(`\"`+key+`\"`))
}
