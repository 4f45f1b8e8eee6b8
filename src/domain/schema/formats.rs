//! The `format` keyword asserted, as promptfoo's JSON checks assert it: promptfoo validates with
//! Ajv and `ajv-formats` in its default ("full") mode, so a string that is not an email address
//! fails `"format": "email"` there (tryout 113: it passed here, where `format` was only an
//! annotation, as the JSON Schema specification has it by default, 2020-12 Validation §7.2.1).
//!
//! The formats are ajv-formats' full list, each read as its definition (a regular expression or
//! a function) reads it, by hand (`ipv6` through the standard library's address parser, `regex`
//! through the page's pattern engine): string formats check strings only, `int32`, `int64`, `float`
//! and `double` check numbers only, every other value passes. A format outside the list is a
//! problem with the schema ([`known`]), as Ajv refuses such a schema ("unknown format") when it
//! compiles it.
use serde_json::Value;

/// The formats ajv-formats knows ("full" mode), in its order.
const KNOWN: [&str; 26] = [
    "date",
    "time",
    "date-time",
    "iso-time",
    "iso-date-time",
    "duration",
    "uri",
    "uri-reference",
    "uri-template",
    "url",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "regex",
    "uuid",
    "json-pointer",
    "json-pointer-uri-fragment",
    "relative-json-pointer",
    "byte",
    "int32",
    "int64",
    "float",
    "double",
    "password",
    "binary",
];

/// Whether `name` is a format this module asserts.
pub(super) fn known(name: &str) -> bool {
    KNOWN.contains(&name)
}

/// Whether `v` meets the format `name`; values the format does not apply to, and unknown
/// formats, pass.
pub(super) fn meets(name: &str, v: &Value) -> bool {
    match v {
        Value::String(s) => string(name, s),
        Value::Number(n) => match name {
            "int32" => {
                n.as_i64().is_some_and(|i| i32::try_from(i).is_ok())
                    || n.as_f64().is_some_and(|f| {
                        f.fract() == 0.0 && f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX)
                    })
            }
            // JavaScript's Number.isInteger: any finite number with no fraction.
            "int64" => n
                .as_f64()
                .is_some_and(|f| f.is_finite() && f.fract() == 0.0),
            _ => true,
        },
        _ => true,
    }
}

fn string(name: &str, s: &str) -> bool {
    match name {
        "date" => date(s),
        "time" => time(s, true),
        "iso-time" => time(s, false),
        "date-time" => date_time(s, true),
        "iso-date-time" => date_time(s, false),
        "duration" => duration(s),
        "uri" => uri(s, false),
        "uri-reference" => uri(s, true),
        "uri-template" => uri_template(s),
        "url" => url(s),
        "email" => email(s),
        "hostname" => hostname(s),
        "ipv4" => ipv4(s),
        "ipv6" => s.parse::<std::net::Ipv6Addr>().is_ok(),
        // ajv-formats: `new RegExp(s)` (no flags: tryout 114 found `(?=a)*`, which Annex B
        // allows without `u`, refused) must accept it, and `\Z` after a character (no anchor
        // in JavaScript) is refused.
        "regex" => !z_anchor(s) && crate::domain::pattern::check_with(s, "").is_ok(),
        "uuid" => uuid(s),
        "json-pointer" => json_pointer(s),
        "json-pointer-uri-fragment" => s.strip_prefix('#').is_some_and(|p| pointer_fragment(p)),
        "relative-json-pointer" => relative_pointer(s),
        // ajv-formats' pattern has the `m` flag: one line of base64 (an empty one too) is
        // enough.
        "byte" => s.split(['\n', '\r', '\u{2028}', '\u{2029}']).any(base64),
        _ => true,
    }
}

/// ajv-formats' `/[^\\]\\Z/`: `\Z` after any character but a backslash.
fn z_anchor(s: &str) -> bool {
    let b = s.as_bytes();
    (1..b.len().saturating_sub(1)).any(|i| b[i] == b'\\' && b[i + 1] == b'Z' && b[i - 1] != b'\\')
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// `YYYY-MM-DD`, a real day of the Gregorian calendar (RFC 3339 §5.6, leap years included).
fn date(s: &str) -> bool {
    let mut it = s.split('-');
    let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// `HH:MM:SS[.fraction][Z|±HH[[:]MM]]` (ajv-formats' reading of RFC 3339 `full-time`); the zone
/// is required when `zone_required`; a leap second only at 23:59:60 UTC.
fn time(s: &str, zone_required: bool) -> bool {
    let b = s.as_bytes();
    if !s.is_ascii() || b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(hr), Some(min), Some(sec)) = (
        digits(&s[0..2], 2),
        digits(&s[3..5], 2),
        digits(&s[6..8], 2),
    ) else {
        return false;
    };
    let mut rest = &s[8..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let (sign, tz_h, tz_m) = if rest.is_empty() {
        if zone_required {
            return false;
        }
        (1, 0, 0)
    } else if rest.eq_ignore_ascii_case("z") {
        (1, 0, 0)
    } else {
        let sign = match rest.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return false,
        };
        let zone = &rest[1..];
        let (h, m) = match zone.len() {
            2 => (digits(zone, 2), Some(0)),
            4 => (digits(&zone[..2], 2), digits(&zone[2..], 2)),
            5 if zone.as_bytes()[2] == b':' => (digits(&zone[..2], 2), digits(&zone[3..], 2)),
            _ => return false,
        };
        let (Some(h), Some(m)) = (h, m) else {
            return false;
        };
        (sign, h as i32, m as i32)
    };
    if tz_h > 23 || tz_m > 59 {
        return false;
    }
    if hr <= 23 && min <= 59 && sec < 60 {
        return true;
    }
    // A leap second: 23:59:60 in UTC.
    let utc_min = min as i32 - tz_m * sign;
    let utc_hr = hr as i32 - tz_h * sign - i32::from(utc_min < 0);
    (utc_hr == 23 || utc_hr == -1) && (utc_min == 59 || utc_min == -1) && sec < 61
}

/// A date and a time split by `T`, `t` or one white-space character (ajv-formats).
fn date_time(s: &str, zone_required: bool) -> bool {
    let is_sep = |c: char| c == 'T' || c == 't' || crate::domain::pattern::is_js_space(c);
    let mut parts = s.split(is_sep);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(d), Some(t), None) => date(d) && time(t, zone_required),
        _ => false,
    }
}

/// ISO 8601 durations as ajv-formats reads them: `P1Y2M3DT4H5M6S` (whole numbers, at least
/// one part, a `T` only before a time part) or `P3W`.
fn duration(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    // Parts as (number, unit), each unit at most once and in order.
    let parts = |t: &str, units: &[u8]| -> Option<usize> {
        let mut at = 0;
        let mut count = 0;
        let b = t.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || i + n >= b.len() {
                return None;
            }
            let unit = b[i + n];
            let pos = units[at..].iter().position(|u| *u == unit)? + at;
            at = pos + 1;
            count += 1;
            i += n + 1;
        }
        Some(count)
    };
    if let Some(weeks) = rest.strip_suffix('W') {
        return !weeks.is_empty() && weeks.bytes().all(|c| c.is_ascii_digit());
    }
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let Some(_) = parts(date_part, b"YMD") else {
        return false;
    };
    match time_part {
        None => true,
        Some(t) => parts(t, b"HMS").is_some_and(|n| n > 0),
    }
}

fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

fn sub_delim(c: u8) -> bool {
    matches!(
        c,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// Every byte of `s` is allowed by `ok` or starts a `%XX` escape.
fn chars_ok(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
        } else if ok(b[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

fn pchar(c: u8) -> bool {
    unreserved(c) || sub_delim(c) || c == b':' || c == b'@'
}

/// RFC 3986 §3.2: `[userinfo@]host[:port]`, the host an IP literal, an IPv4 address or a
/// registered name.
fn authority(a: &str, quotes: bool) -> bool {
    let (userinfo, host_port) = match a.rfind('@') {
        Some(i) => (Some(&a[..i]), &a[i + 1..]),
        None => (None, a),
    };
    if userinfo.is_some_and(|u| !chars_ok(u, |c| unreserved(c) || sub_delim(c) || c == b':')) {
        return false;
    }
    let (host, port) = if let Some(inside) = host_port.strip_prefix('[') {
        let Some(end) = inside.find(']') else {
            return false;
        };
        let literal = &inside[..end];
        let future = literal
            .strip_prefix(['v', 'V'])
            .and_then(|f| f.split_once('.'));
        let ok = match future {
            Some((hex, rest)) => {
                !hex.is_empty()
                    && hex.bytes().all(|c| c.is_ascii_hexdigit())
                    && !rest.is_empty()
                    && rest
                        .bytes()
                        .all(|c| unreserved(c) || sub_delim(c) || c == b':')
            }
            None => literal.parse::<std::net::Ipv6Addr>().is_ok(),
        };
        if !ok {
            return false;
        }
        (literal, &inside[end + 1..])
    } else {
        match host_port.rfind(':') {
            Some(i) => (&host_port[..i], &host_port[i..]),
            None => (host_port, ""),
        }
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|c| c.is_ascii_digit()));
    port_ok
        && (host_port.starts_with('[')
            || chars_ok(host, |c| {
                unreserved(c) || sub_delim(c) || (quotes && c == b'"')
            }))
}

/// An RFC 3986 URI (`reference`: or a relative reference), ASCII only.
/// (ajv-formats' `uri-reference` also allows `"` in hosts, paths, queries and fragments, and a
/// colon in a relative path's first segment; its `uri` needs something after the scheme.)
fn uri(s: &str, reference: bool) -> bool {
    let quote = |c: u8| reference && c == b'"';
    let (rest, fragment) = match s.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (s, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let tail = |c: u8| pchar(c) || c == b'/' || c == b'?' || quote(c);
    if fragment.is_some_and(|f| !chars_ok(f, tail)) || query.is_some_and(|q| !chars_ok(q, tail)) {
        return false;
    }
    let scheme_end = rest.find(':').filter(|&i| {
        let sch = &rest[..i];
        !rest[..i].contains('/')
            && sch.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && sch
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    });
    let hier = match scheme_end {
        Some(i) if !reference && rest.len() == i + 1 => return false,
        Some(i) => &rest[i + 1..],
        None if reference => rest,
        None => return false,
    };
    let path = match hier.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            if !authority(&after[..end], reference) {
                return false;
            }
            &after[end..]
        }
        None => hier,
    };
    chars_ok(path, |c| pchar(c) || c == b'/' || quote(c))
}

/// ajv-formats' `url` (Diego Perini's pattern, `iu` flags): `http`, `https` or `ftp`, `://`,
/// an optional `user[:password]@`, a host that is a public IPv4 address (not 10.x, 127.x,
/// 169.254.x, 192.168.x or 172.16-31.x; first part 1-223, last 1-254) or a name of labels
/// (letters, digits, any character from U+00A1 to U+FFFF, single inner hyphens) ending in a
/// top-level label of two or more letters, an optional port of 2-5 digits, then nothing or `/`
/// and any characters but white space.
fn url(s: &str) -> bool {
    if s.chars().any(crate::domain::pattern::is_js_space) {
        return false;
    }
    let Some(colon) = s.find("://") else {
        return false;
    };
    if !["http", "https", "ftp"]
        .iter()
        .any(|p| s[..colon].eq_ignore_ascii_case(p))
    {
        return false;
    }
    let rest = &s[colon + 3..];
    // With or without a user part: each `@` may end one (the pattern backtracks).
    std::iter::once(rest)
        .chain(rest.match_indices('@').map(|(i, _)| &rest[i + 1..]))
        .enumerate()
        .any(|(n, tail)| (n == 0 || tail.len() + 1 < rest.len()) && url_host_and_path(tail))
}

fn url_host_and_path(t: &str) -> bool {
    let end = t.find([':', '/']).unwrap_or(t.len());
    let (host, mut rest) = (&t[..end], &t[end..]);
    if let Some(port) = rest.strip_prefix(':') {
        let n = port.bytes().take_while(u8::is_ascii_digit).count();
        if !(2..=5).contains(&n) {
            return false;
        }
        rest = &port[n..];
    }
    (rest.is_empty() || rest.starts_with('/')) && (public_ipv4(host) || url_name(host))
}

fn public_ipv4(h: &str) -> bool {
    let parts: Vec<&str> = h.split('.').collect();
    let n: Vec<u32> = parts
        .iter()
        .filter(|p| (1..=3).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
        .filter_map(|p| p.parse().ok())
        .collect();
    if parts.len() != 4 || n.len() != 4 {
        return false;
    }
    let private = n[0] == 10
        || n[0] == 127
        || (n[0] == 169 && n[1] == 254)
        || (n[0] == 192 && n[1] == 168)
        || (n[0] == 172 && (16..=31).contains(&n[1]));
    // First part without a leading zero, last part 1-254 without one.
    let no_zero = |p: &str| !p.starts_with('0');
    !private
        && (1..=223).contains(&n[0])
        && no_zero(parts[0])
        && n[1] <= 255
        && n[2] <= 255
        && (1..=254).contains(&n[3])
        && no_zero(parts[3])
}

fn url_name(h: &str) -> bool {
    let wide = |c: char| c.is_ascii_alphanumeric() || ('\u{a1}'..='\u{ffff}').contains(&c);
    let label = |l: &str| {
        !l.is_empty()
            && l.chars().all(|c| wide(c) || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
            && !l.contains("--")
    };
    let labels: Vec<&str> = h.split('.').collect();
    let Some((top, names)) = labels.split_last() else {
        return false;
    };
    !names.is_empty()
        && names.iter().all(|l| label(l))
        && top.chars().count() >= 2
        && top
            .chars()
            .all(|c| c.is_ascii_alphabetic() || ('\u{a1}'..='\u{ffff}').contains(&c))
}

/// RFC 6570 level 4 templates (ajv-formats' pattern): literals, and `{op?var[:n|*],...}`.
fn uri_template(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('{') {
            let Some(end) = inner.find('}') else {
                return false;
            };
            let mut expr = &inner[..end];
            if expr.starts_with(['+', '#', '.', '/', ';', '?', '&', '=', ',', '!', '@', '|']) {
                expr = &expr[1..];
            }
            let var_ok = |v: &str| {
                let (name, modifier) = match v.find([':', '*']) {
                    Some(i) => (&v[..i], &v[i..]),
                    None => (v, ""),
                };
                let name_ok =
                    !name.is_empty() && chars_ok(name, |c| c.is_ascii_alphanumeric() || c == b'_');
                let mod_ok = modifier.is_empty()
                    || modifier == "*"
                    || modifier.strip_prefix(':').is_some_and(|n| {
                        (1..=4).contains(&n.len())
                            && !n.starts_with('0')
                            && n.bytes().all(|c| c.is_ascii_digit())
                    });
                name_ok && mod_ok
            };
            if !expr.split(',').all(var_ok) {
                return false;
            }
            rest = &inner[end + 1..];
        } else {
            let n = rest.find('{').unwrap_or(rest.len());
            let literal = &rest[..n];
            // Any character but controls, space and "'<>\^`{|}, or a %XX escape.
            if !chars_ok(literal, |c| c > 0x20 && !b"\"'<>\\^`{|}".contains(&c)) {
                return false;
            }
            rest = &rest[n..];
        }
    }
    true
}

/// ajv-formats' email: a dot-atom local part and a host of LDH labels with at least one dot.
fn email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let atom = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&c);
    let local_ok = local
        .split('.')
        .all(|part| !part.is_empty() && part.bytes().all(atom));
    let labels: Vec<&str> = domain.split('.').collect();
    // Letters, digits and inner hyphens; no length limit in ajv-formats' email pattern.
    let email_label = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    local_ok && labels.len() >= 2 && labels.iter().all(|l| email_label(l))
}

/// A hostname label: 1-63 letters, digits and hyphens, not starting or ending with a hyphen.
fn label(l: &str) -> bool {
    (1..=63).contains(&l.len())
        && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// RFC 1123 hostnames as ajv-formats reads them: at most 253 characters, labels as [`label`],
/// one trailing dot allowed.
fn hostname(s: &str) -> bool {
    let name = s.strip_suffix('.').unwrap_or(s);
    (1..=253).contains(&name.len()) && name.split('.').all(label)
}

/// Four decimal numbers 0-255 without leading zeros.
fn ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// `8-4-4-4-12` hexadecimal digits, optionally after `urn:uuid:`.
fn uuid(s: &str) -> bool {
    let s = match s.get(..9) {
        Some(p) if p.eq_ignore_ascii_case("urn:uuid:") => &s[9..],
        _ => s,
    };
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// A reference token: `~` only as `~0` or `~1`.
fn token(t: &str) -> bool {
    let b = t.as_bytes();
    b.iter()
        .enumerate()
        .all(|(i, c)| *c != b'~' || matches!(b.get(i + 1), Some(b'0' | b'1')))
}

/// RFC 6901: empty, or `/`-prefixed tokens.
fn json_pointer(s: &str) -> bool {
    s.is_empty() || (s.starts_with('/') && s[1..].split('/').all(token))
}

/// A JSON Pointer in a URI fragment (RFC 6901 §6): its characters URI-safe or percent-escaped.
fn pointer_fragment(p: &str) -> bool {
    json_pointer(p)
        && chars_ok(p, |c| {
            c.is_ascii_alphanumeric() || b"_-.!$&'()*+,;:=@/~".contains(&c)
        })
}

/// A relative JSON Pointer: a whole number, then `#` or a JSON Pointer.
fn relative_pointer(s: &str) -> bool {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (n > 1 && s.starts_with('0')) {
        return false;
    }
    let rest = &s[n..];
    rest == "#" || json_pointer(rest)
}

/// Standard base64 with padding, as ajv-formats' `byte` pattern reads it.
fn base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() % 4 != 0 {
        return false;
    }
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    pad <= 2
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}
