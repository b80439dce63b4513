package engine

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// Presto/Athena compatibility. Queries written for Athena (engine v2 is
// Presto 0.217, v3 is Trino) should run here with at most a table name
// changed, so the Presto functions DuckDB lacks, or has with other
// semantics, are DuckDB macros. A macro defined over a built-in name
// hides every overload of the built-in (DuckDB looks the name up in the
// database's schema first), so each such macro either keeps DuckDB's
// other forms as overloads or calls the built-in as system.main.NAME.
//
// Functions that already behave as in Presto are left alone: date_trunc,
// arbitrary, count_if (DuckDB returns HUGEINT, Presto BIGINT), try, TRY_CAST,
// if, regexp_extract_all, strpos, substr, split, contains, array_distinct,
// max_by, min_by, histogram, current_timestamp, now, date. regexp_extract
// is left too, though it returns '' where Presto returns NULL (no match):
// a macro over it would hide DuckDB's options form, whose options must be
// a constant when the macro is created.

// sessionStatements make DuckDB's session behave as Athena's: Athena runs
// in UTC, so casting a TIMESTAMP WITH TIME ZONE to TIMESTAMP, formatting
// it or truncating it must give UTC wall-clock time whatever the
// machine's zone is.
var sessionStatements = []string{
	"SET TimeZone = 'UTC'",
}

// prestoMacros are the Presto functions, each with what Presto does.
var prestoMacros = []string{
	// Translates a Presto (MySQL) date_format pattern to a strftime one, one
	// %-token at a time so no replacement sees another's output. Presto:
	// %a %b %c(month 1-12) %d %e(day 1-31) %f(fraction, truncated to
	// milliseconds: 6 digits) %H %h %I %i(minutes) %j %k(hour 0-23) %l(hour
	// 1-12) %M(month name) %m %p %r %S %s(seconds) %T %v %W(weekday name)
	// %x %Y %y %%, and %<c> for any other c prints c. Presto rejects %D %U
	// %u %V %w %X; here %U %u %w print what MySQL prints and %D %V %X
	// print the letter.
	`CREATE MACRO _presto_strftime(fmt) AS array_to_string(list_transform(regexp_extract_all(fmt, '%.|[^%]+|%$'), lambda t:
  CASE t WHEN '%a' THEN '%a' WHEN '%b' THEN '%b' WHEN '%c' THEN '%-m' WHEN '%d' THEN '%d' WHEN '%e' THEN '%-d'
    WHEN '%f' THEN '%g000' WHEN '%H' THEN '%H' WHEN '%h' THEN '%I' WHEN '%I' THEN '%I' WHEN '%i' THEN '%M'
    WHEN '%j' THEN '%j' WHEN '%k' THEN '%-H' WHEN '%l' THEN '%-I' WHEN '%M' THEN '%B' WHEN '%m' THEN '%m'
    WHEN '%p' THEN '%p' WHEN '%r' THEN '%I:%M:%S %p' WHEN '%S' THEN '%S' WHEN '%s' THEN '%S' WHEN '%T' THEN '%H:%M:%S'
    WHEN '%U' THEN '%U' WHEN '%u' THEN '%W' WHEN '%v' THEN '%V' WHEN '%W' THEN '%A' WHEN '%w' THEN '%w'
    WHEN '%x' THEN '%G' WHEN '%Y' THEN '%Y' WHEN '%y' THEN '%y' WHEN '%%' THEN '%%' WHEN '%' THEN '%%'
    ELSE CASE WHEN t[1] = '%' THEN t[2] ELSE t END END), '')`,

	// The same for date_parse, whose %f reads 1 to 6 fraction digits
	// (Presto: up to 9) and whose %c %e %k %l also read unpadded numbers.
	`CREATE MACRO _presto_strptime(fmt) AS array_to_string(list_transform(regexp_extract_all(fmt, '%.|[^%]+|%$'), lambda t:
  CASE t WHEN '%a' THEN '%a' WHEN '%b' THEN '%b' WHEN '%c' THEN '%m' WHEN '%d' THEN '%d' WHEN '%e' THEN '%d'
    WHEN '%f' THEN '%f' WHEN '%H' THEN '%H' WHEN '%h' THEN '%I' WHEN '%I' THEN '%I' WHEN '%i' THEN '%M'
    WHEN '%j' THEN '%j' WHEN '%k' THEN '%H' WHEN '%l' THEN '%I' WHEN '%M' THEN '%B' WHEN '%m' THEN '%m'
    WHEN '%p' THEN '%p' WHEN '%r' THEN '%I:%M:%S %p' WHEN '%S' THEN '%S' WHEN '%s' THEN '%S' WHEN '%T' THEN '%H:%M:%S'
    WHEN '%W' THEN '%A' WHEN '%Y' THEN '%Y' WHEN '%y' THEN '%y' WHEN '%%' THEN '%%' WHEN '%' THEN '%%'
    ELSE CASE WHEN t[1] = '%' THEN t[2] ELSE t END END), '')`,

	// The interval of n Presto units; Presto fails on an unknown unit.
	`CREATE MACRO _presto_interval(unit, n) AS CASE lower(unit)
  WHEN 'millisecond' THEN to_milliseconds(n) WHEN 'second' THEN to_seconds(n) WHEN 'minute' THEN to_minutes(n)
  WHEN 'hour' THEN to_hours(n) WHEN 'day' THEN to_days(n) WHEN 'week' THEN to_weeks(n)
  WHEN 'month' THEN to_months(n) WHEN 'quarter' THEN to_months(3 * n) WHEN 'year' THEN to_years(n)
  ELSE error('date_add: unknown unit ' || unit) END`,

	// from_unixtime(unixtime): the instant unixtime seconds after the epoch,
	// a TIMESTAMP WITH TIME ZONE in UTC (Trino; Presto 0.217 returned a
	// plain timestamp in the session zone, UTC on Athena: the same wall
	// clock). from_unixtime(unixtime, zone) and (unixtime, hours, minutes)
	// are the instant in that zone or offset; DuckDB's TIMESTAMP WITH TIME
	// ZONE carries no zone, so these return the wall-clock TIMESTAMP there.
	`CREATE MACRO from_unixtime(x) AS to_timestamp(CAST(x AS DOUBLE)),
  (x, zone) AS timezone(zone, to_timestamp(CAST(x AS DOUBLE))),
  (x, h, m) AS CAST(to_timestamp(CAST(x AS DOUBLE)) AS TIMESTAMP) + to_hours(h) + to_minutes(m)`,

	// to_unixtime(timestamp): seconds since the epoch as a DOUBLE; a plain
	// timestamp is read in the session zone (UTC).
	`CREATE MACRO to_unixtime(t) AS epoch(t)`,

	// date_format(timestamp, format): the timestamp as text, MySQL pattern.
	// The format must be a constant (DuckDB's strftime requires one, and
	// refuses an empty one, which the CASE answers instead).
	`CREATE MACRO date_format(t, fmt) AS CASE WHEN fmt = '' THEN '' WHEN fmt IS NOT NULL THEN strftime(t, coalesce(nullif(_presto_strftime(fmt), ''), '%Y')) END`,

	// date_parse(string, format): a TIMESTAMP read with a MySQL pattern;
	// fails when the text does not fit. The format must be a constant.
	// (DuckDB binds the body when the macro is created, with NULL for fmt,
	// and strptime refuses a NULL format: the coalesce gives it one.)
	`CREATE MACRO date_parse(s, fmt) AS CASE WHEN fmt IS NOT NULL THEN strptime(s, coalesce(_presto_strptime(fmt), '%Y')) END`,

	// from_iso8601_timestamp(string): an ISO 8601 date or date-time, with
	// or without an offset ('Z', '+02:00'; none means the session zone,
	// UTC), as TIMESTAMP WITH TIME ZONE; fails on other text. Week and
	// ordinal dates (2020-W10-1, 2020-123) are not read here.
	`CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,

	// from_iso8601_date(string): an ISO 8601 date as DATE.
	`CREATE MACRO from_iso8601_date(s) AS CAST(s AS DATE)`,

	// date_diff(unit, t1, t2): t2 - t1 in whole units, truncated: one
	// minute from 01:59 to 02:01 is 0 hours. DuckDB's own date_diff counts
	// unit boundaries crossed (1 hour there) and stays reachable as
	// datediff; DuckDB's date_sub is Presto's date_diff.
	`CREATE MACRO date_diff(unit, t1, t2) AS date_sub(unit, t1, t2)`,

	// date_add(unit, value, timestamp): timestamp plus value units
	// (millisecond … year), month ends clamped. On a DATE Presto returns a
	// DATE, DuckDB a TIMESTAMP at midnight. DuckDB's date_add(date,
	// interval) is kept as the two-argument form.
	`CREATE MACRO date_add(unit, n, t) AS t + _presto_interval(unit, n),
  (d, i) AS d + i`,

	// day_of_week(x) and its alias dow: ISO day of week, Monday 1 … Sunday 7.
	`CREATE MACRO day_of_week(x) AS isodow(x)`,
	`CREATE MACRO dow(x) AS isodow(x)`,

	// day_of_year(x) and doy: 1 … 366.
	`CREATE MACRO day_of_year(x) AS dayofyear(x)`,
	`CREATE MACRO doy(x) AS dayofyear(x)`,

	// day_of_month(x): 1 … 31.
	`CREATE MACRO day_of_month(x) AS day(x)`,

	// week_of_year(x): ISO week, 1 … 53 (Presto's week; DuckDB's week too).
	`CREATE MACRO week_of_year(x) AS week(x)`,

	// year_of_week(x) and yow: the ISO week-numbering year.
	`CREATE MACRO year_of_week(x) AS isoyear(x)`,
	`CREATE MACRO yow(x) AS isoyear(x)`,

	// last_day_of_month(x): the last DATE of x's month.
	`CREATE MACRO last_day_of_month(x) AS last_day(x)`,

	// json_extract(json, path): the JSON value at a JSONPath ('$.a.b[0]'),
	// NULL when the path is absent or the text is not valid JSON (DuckDB's
	// own fails on invalid JSON). Bracketed keys ('$["a b"]') are not
	// read; DuckDB spells them '$."a b"'.
	`CREATE MACRO json_extract(j, p) AS CASE WHEN json_valid(j) THEN system.main.json_extract(j, p) END`,

	// json_extract_scalar(json, path): the scalar (string, number, boolean)
	// at path as VARCHAR, unquoted; NULL for an object, an array, a JSON
	// null, an absent path or invalid JSON.
	`CREATE MACRO json_extract_scalar(j, p) AS CASE WHEN json_valid(j) THEN
  CASE WHEN json_type(system.main.json_extract(j, p)) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END END`,

	// json_parse(string): the text as JSON; fails on invalid JSON.
	`CREATE MACRO json_parse(s) AS CAST(s AS JSON)`,

	// json_format(json): the JSON as text.
	`CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)`,

	// element_at(array, index): the 1-based element, counted from the end
	// when negative, NULL past either end (Presto fails on 0; NULL here).
	// element_at(map, key): the value, NULL when the key is absent (DuckDB's
	// own returns a list).
	`CREATE MACRO element_at(x, i) AS x[i]`,

	// cardinality(x): the number of elements of an array or entries of a
	// map, as BIGINT (DuckDB's own takes only maps). Counted through JSON,
	// so it costs a serialisation per value.
	`CREATE MACRO cardinality(x) AS CAST(CASE json_type(to_json(x))
  WHEN 'ARRAY' THEN json_array_length(to_json(x)) WHEN 'OBJECT' THEN len(json_keys(to_json(x))) END AS BIGINT)`,

	// array_join(array, delimiter[, null_replacement]): the elements as
	// text joined by delimiter; NULL elements are skipped unless a
	// replacement is given.
	`CREATE MACRO array_join(a, sep) AS array_to_string(a, sep),
  (a, sep, nullrep) AS array_to_string(list_transform(a, lambda x: coalesce(CAST(x AS VARCHAR), nullrep)), sep)`,

	// array_max(array), array_min(array): the largest and smallest element.
	// Presto returns NULL when an element is NULL; DuckDB skips NULLs.
	`CREATE MACRO array_max(a) AS list_max(a)`,
	`CREATE MACRO array_min(a) AS list_min(a)`,

	// regexp_like(string, pattern): whether pattern matches anywhere in
	// string. DuckDB's RE2 syntax stands in for Presto's Java-style one.
	`CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)`,

	// split_part(string, delimiter, index): the 1-based field, NULL past
	// the last (DuckDB's own returns ''); a negative index counts from the
	// end (Presto fails).
	`CREATE MACRO split_part(s, d, i) AS string_split(s, d)[i]`,

	// from_utf8(binary): the bytes as text. Presto replaces invalid UTF-8
	// with U+FFFD; DuckDB fails.
	`CREATE MACRO from_utf8(b) AS decode(b)`,

	// to_utf8(string): the text's UTF-8 bytes.
	`CREATE MACRO to_utf8(s) AS encode(s)`,

	// approx_distinct(x[, max_standard_error]): the number of distinct
	// values, as BIGINT. Presto estimates it (HyperLogLog, 2.3% standard
	// error, all but exact on small sets); DuckDB's approx_count_distinct
	// says 11 for ten values, so this counts exactly: never wrong, more
	// memory on huge cardinalities.
	`CREATE MACRO approx_distinct(x) AS count(DISTINCT x),
  (x, e) AS count(DISTINCT x)`,

	// approx_percentile(x, percentage): the approximate value at that
	// quantile (or an array of them for an array of percentages), of x's
	// type; DuckDB's sketch is a t-digest. The weighted forms are not here.
	`CREATE MACRO approx_percentile(x, p) AS approx_quantile(x, p)`,

	// every(x): the aggregate AND of x (bool_and).
	`CREATE MACRO every(x) AS bool_and(x)`,
}

// macroStatements are run before the views are built.
func macroStatements() []string {
	out := append([]string{}, sessionStatements...)
	out = append(out, prestoMacros...)
	return append(out, ipMacros...)
}

// ipMacros are address helpers in plain SQL (DuckDB's inet extension
// would have to be downloaded). Addresses are numbers in one 128-bit
// space, UHUGEINT: IPv6 as itself, IPv4 a.b.c.d as its IPv4-mapped IPv6
// form ::ffff:a.b.c.d, so "1.2.3.4" and "::ffff:1.2.3.4" are one address
// and an IPv4 CIDR /n is the IPv6 range /(96+n). One consequence: an IPv6
// CIDR covering ::ffff:0:0/96 — ::/0 among them — contains every IPv4
// address; ip_family tells the families apart. Text that is not an
// address (anonymised values, '-', zone suffixes such as %eth0, leading
// zeros in IPv4 octets) gives NULL, never an error.
var ipMacros = []string{
	// A strict dotted quad as UBIGINT, else NULL.
	`CREATE MACRO _ipv4_num(s) AS CASE WHEN regexp_full_match(s,
  '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])')
  THEN list_reduce(list_transform(string_split(s, '.'), lambda o: TRY_CAST(o AS UBIGINT)), lambda a, o: a * 256 + o) END`,

	// IPv6 text with a trailing dotted quad rewritten as two hex groups.
	`CREATE MACRO _ipv6_hex(s) AS CASE WHEN NOT contains(s, '.') THEN s ELSE
  list_transform([_ipv4_num(regexp_extract(s, '[^:]*$'))],
    lambda v: regexp_replace(s, '[^:]*$', '') || printf('%x:%x', v // 65536, v % 65536))[1] END`,

	// The groups on one side of '::'.
	`CREATE MACRO _ipv6_side(x) AS CASE WHEN x = '' THEN CAST([] AS VARCHAR[]) ELSE string_split(x, ':') END`,

	// The eight groups, '::' expanded to at least one zero group.
	`CREATE MACRO _ipv6_groups(h) AS CASE WHEN NOT contains(h, '::') THEN string_split(h, ':') ELSE
  list_transform([string_split(h, '::')], lambda p: CASE WHEN len(p) = 2 THEN
    list_transform([[_ipv6_side(p[1]), _ipv6_side(p[2])]], lambda q: CASE WHEN len(q[1]) + len(q[2]) <= 7 THEN
      list_concat(list_concat(q[1], list_transform(range(8 - len(q[1]) - len(q[2])), lambda z: '0')), q[2]) END)[1]
  END)[1] END`,

	// Eight groups of 1-4 hex digits as one UHUGEINT, else NULL.
	`CREATE MACRO _ipv6_fold(g) AS list_transform([g], lambda v:
  CASE WHEN len(v) = 8 AND list_bool_and(list_transform(v, lambda x: regexp_full_match(x, '[0-9A-Fa-f]{1,4}')))
  THEN list_reduce(list_transform(v, lambda x: CAST(TRY_CAST('0x' || x AS USMALLINT) AS UHUGEINT)), lambda a, x: (a << 16) | x) END)[1]`,

	// IPv6 text as UHUGEINT, else NULL.
	`CREATE MACRO _ipv6_num(s) AS CASE WHEN regexp_full_match(s, '[0-9A-Fa-f:.]{2,45}') AND NOT contains(s, ':::')
  THEN _ipv6_fold(_ipv6_groups(_ipv6_hex(s))) END`,

	// ip_to_int(ip): the address as UHUGEINT in the shared space (IPv4 as
	// ::ffff:a.b.c.d), NULL for anything else.
	`CREATE MACRO ip_to_int(ip) AS CASE WHEN contains(ip, ':') THEN _ipv6_num(ip)
  ELSE CAST(_ipv4_num(ip) AS UHUGEINT) + CAST(281470681743360 AS UHUGEINT) END`,

	// ipv4_to_int(ip): an IPv4 address (or IPv4-mapped IPv6 one) as UBIGINT,
	// 0 … 4294967295; NULL for IPv6 and non-addresses.
	`CREATE MACRO ipv4_to_int(ip) AS CASE WHEN contains(ip, ':') THEN
  list_transform([_ipv6_num(ip)], lambda n: CASE WHEN n >> CAST(32 AS UHUGEINT) = 65535 THEN CAST(n & CAST(4294967295 AS UHUGEINT) AS UBIGINT) END)[1]
  ELSE _ipv4_num(ip) END`,

	// ip_family(ip): 4 for IPv4 (mapped IPv6 included), 6 for IPv6, NULL
	// for non-addresses.
	`CREATE MACRO ip_family(ip) AS list_transform([ip_to_int(ip)], lambda n:
  CASE WHEN n >> CAST(32 AS UHUGEINT) = 65535 THEN 4 WHEN n IS NOT NULL THEN 6 END)[1]`,

	// The prefix length of a CIDR in the shared space: /n of an IPv4 CIDR
	// is 96+n; no '/' means one address.
	`CREATE MACRO _cidr_bits(c) AS CASE WHEN NOT contains(c, '/') THEN 128
  WHEN regexp_full_match(c, '[^/]+/(0|[1-9][0-9]{0,2})') THEN
    list_transform([CAST(regexp_extract(c, '[0-9]+$') AS INTEGER)], lambda l:
      CASE WHEN contains(c, ':') THEN CASE WHEN l <= 128 THEN l END WHEN l <= 32 THEN l + 96 END)[1] END`,

	// The host-bit mask of a prefix length.
	`CREATE MACRO _host_mask(bits) AS (~CAST(0 AS UHUGEINT)) >> CAST(bits AS UHUGEINT)`,

	// cidr_start(cidr), cidr_end(cidr): the first and last address of a
	// CIDR ('10.0.0.0/8', '2001:db8::/32'; host bits are ignored; a bare
	// address is itself) in ip_to_int's space, NULL if malformed. For
	// range joins: ON ip_to_int(srcaddr) BETWEEN cidr_start(c) AND cidr_end(c).
	`CREATE MACRO cidr_start(c) AS ip_to_int(regexp_extract(c, '^[^/]*')) & ~_host_mask(_cidr_bits(c))`,
	`CREATE MACRO cidr_end(c) AS ip_to_int(regexp_extract(c, '^[^/]*')) | _host_mask(_cidr_bits(c))`,

	// ip_in_cidr(ip, cidr): whether ip lies in cidr; NULL if either is
	// malformed.
	`CREATE MACRO ip_in_cidr(ip, c) AS ip_to_int(ip) BETWEEN cidr_start(c) AND cidr_end(c)`,

	// is_private(ip): whether ip is private, loopback or link-local; the
	// ranges are privateNets. NULL for non-addresses.
	isPrivateMacro(),
}

// privateNets are the ranges is_private accepts: RFC 1918, carrier-grade
// NAT (RFC 6598), loopback, link-local (AWS's instance metadata, DNS and
// time services live in 169.254/16) and IPv6 unique-local (AWS's IPv6
// metadata service is fd00:ec2::254).
var privateNets = []string{
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"::1/128", "fc00::/7", "fe80::/10",
}

// isPrivateMacro is is_private(ip): whether ip lies in privateNets; NULL
// for non-addresses. The bounds are computed here, so the macro parses
// only its argument (sixteen cidr_start/cidr_end calls made every query
// using it take a tenth of a second to plan).
func isPrivateMacro() string {
	var terms []string
	for _, c := range privateNets {
		lo, hi := mappedRange(netip.MustParsePrefix(c))
		terms = append(terms, fmt.Sprintf("n BETWEEN CAST('%s' AS UHUGEINT) AND CAST('%s' AS UHUGEINT)", lo, hi))
	}
	return "CREATE MACRO is_private(ip) AS list_transform([ip_to_int(ip)], lambda n:\n  " +
		strings.Join(terms, "\n  OR ") + ")[1]"
}

// mappedRange is a prefix's first and last address in ip_to_int's space.
func mappedRange(p netip.Prefix) (lo, hi *big.Int) {
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	a := p.Masked().Addr().As16()
	lo = new(big.Int).SetBytes(a[:])
	host := new(big.Int).Lsh(big.NewInt(1), uint(128-bits))
	hi = new(big.Int).Add(lo, host.Sub(host, big.NewInt(1)))
	return lo, hi
}
