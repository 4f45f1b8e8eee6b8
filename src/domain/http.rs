//! Plain descriptions of HTTP requests and URLs, built by the codecs and sent by `net`.

/// Why the browser cannot use `url` as a provider's address, in plain words, with the address
/// written in full: it does not start with `http://` or `https://` (`127.0.0.1:8090/v1` is read
/// by the browser's URL parser as something else, or not at all), or it holds a user name or
/// password before its host (`fetch` refuses such a URL). `None` when it is usable, or when it
/// is empty. `http` is suggested for this computer's addresses, `https` for the rest.
pub fn address_problem(url: &str) -> Option<String> {
    let t = url.trim();
    let lower = t.to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    if let Some(rest) = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    {
        // A user name or password before the host: the browser refuses to send a request to
        // it (tryout 96: Test connection said "CORS", and the cause was under the details).
        // As the browser parses an http(s) address: `\` ends the host too (a `@` after it is
        // in the path).
        let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or("");
        return authority.contains('@').then(|| {
            "The address holds a user name or password (the part before \u{201c}@\u{201d}), which the browser will not send a request with: write the address without it (a key goes in the key field)"
                .to_owned()
        });
    }
    let local = ["localhost", "127.", "[::1]", "0.0.0.0"]
        .iter()
        .any(|p| lower.starts_with(p));
    let scheme = if local { "http" } else { "https" };
    if !reads_as_host(t) {
        // Not a server's name with a scheme left out (spaces, another scheme such as
        // `javascript:`): no address is made up from it.
        return Some(
            "The address must start with http:// or https://, then the server's name, e.g. https://api.example.com/v1"
                .to_owned(),
        );
    }
    Some(format!(
        "The address must start with http:// or https://: write it as {scheme}://{t}"
    ))
}

/// Whether `t` reads as a server's address without its scheme: a host (letters, digits, `.`,
/// `-`, or a bracketed IPv6 address), an optional `:port` of digits, then an optional path with
/// no spaces.
fn reads_as_host(t: &str) -> bool {
    if t.chars().any(char::is_whitespace) {
        return false;
    }
    let authority = t.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((_, after)) => ("v6", after.strip_prefix(':')),
            None => return false,
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The host (and a non-default port) of a URL, as the browser's URL parser reads it (the WHATWG URL
/// Standard, "basic URL parser"): tabs and newlines are removed, for the special schemes (`http`,
/// `https`, `ws`, `wss`, `ftp`) a `\` counts as `/`, user-info up to the last `@` is dropped, the
/// host is lower-cased and percent-decoded, and the scheme's default port is left out. For messages
/// and for the "your key is sent only to HOST" line: never the path, query or fragment. Text with no
/// scheme (`localhost:11434`) is read as a bare authority. IDNA (Unicode hosts) is not applied:
/// `net` compares this with the browser's own parse before a key is sent, and refuses on any
/// difference.
pub fn host_of(url: &str) -> String {
    let cleaned: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (scheme, rest) = match split_scheme(&cleaned) {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, cleaned.as_str()),
    };
    let special = scheme
        .as_deref()
        .is_none_or(|s| matches!(s, "http" | "https" | "ws" | "wss" | "ftp"));
    let is_sep = |c: char| c == '/' || (special && c == '\\');
    let rest = rest.trim_start_matches(is_sep);
    let authority = rest
        .split(|c: char| is_sep(c) || c == '?' || c == '#')
        .next()
        .unwrap_or(rest);
    // Drop any user-info so a credential typed into a URL never reaches a message.
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host_port = percent_decode(host_port).to_ascii_lowercase();
    let default_port = match scheme.as_deref() {
        Some("http") | Some("ws") => Some(":80"),
        Some("https") | Some("wss") => Some(":443"),
        Some("ftp") => Some(":21"),
        _ => None,
    };
    match default_port.and_then(|p| host_port.strip_suffix(p)) {
        Some(host) => host.to_owned(),
        None => host_port,
    }
}

/// Whether a host (as [`host_of`] gives it, port allowed) is this computer: `localhost`,
/// `*.localhost`, `127.0.0.0/8` or `[::1]` — the "potentially trustworthy" loopback origins of the
/// W3C Secure Contexts spec, which a page served over https may still call over http.
pub fn is_loopback(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split(']').next().map_or(host, |h| &h[1..])
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name == "localhost"
        || name.ends_with(".localhost")
        || name == "::1"
        || name.strip_prefix("127.").is_some_and(|rest| {
            let parts: Vec<&str> = rest.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| p.parse::<u8>().is_ok())
        })
}

/// Why a page cannot call `target`, before any call is made: a page served over https
/// (`page_is_https`) may not call an `http://` address other than this computer (the browser blocks
/// it as mixed content, W3C Mixed Content section 4.3). `None` when nothing stands in the way.
pub fn blocked_by_page(page_is_https: bool, target: &str) -> Option<String> {
    let t = target.trim_start().to_ascii_lowercase();
    if !page_is_https || !t.starts_with("http:") {
        return None;
    }
    let host = host_of(target);
    (!is_loopback(&host)).then(|| {
        format!(
            "This page is served over https, so your browser blocks calls to http addresses other \
             than this computer, such as {host}. Give the server an https address (for example \
             behind a reverse proxy with a certificate), or open Promptwright from an http:// \
             address."
        )
    })
}

/// `scheme:rest` when the text starts with a URL scheme followed by `:` and a slash or backslash.
fn split_scheme(s: &str) -> Option<(String, &str)> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let rest = &s[colon + 1..];
    (first_ok && rest_ok && rest.starts_with(['/', '\\']))
        .then(|| (scheme.to_ascii_lowercase(), rest))
}

/// `%XX` sequences decoded where they form ASCII; anything else is kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            let v = u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(0x80);
            if v.is_ascii() {
                out.push(v as char);
                i += 3;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{address_problem, host_of};

    // Tryout: "127.0.0.1:8090/openai/v1" got "The browser reads this address as , not
    // 127.0.0.1:8090" (a blank), while Settings said the key goes to 127.0.0.1:8090.
    #[test]
    fn an_address_without_its_scheme_is_named_with_the_fix() {
        assert_eq!(
            address_problem("127.0.0.1:8090/openai/v1").as_deref(),
            Some(
                "The address must start with http:// or https://: write it as http://127.0.0.1:8090/openai/v1"
            )
        );
        assert_eq!(
            address_problem(" api.example.com/v1 ").as_deref(),
            Some(
                "The address must start with http:// or https://: write it as https://api.example.com/v1"
            )
        );
        // Tryout 5: "not a url" got "write it as https://not a url", "javascript:alert(1)"
        // got "https://javascript:alert(1)". No address is made up from such text.
        for odd in [
            "not a url",
            "javascript:alert(1)",
            "ftp://files.example.com",
        ] {
            assert_eq!(
                address_problem(odd).as_deref(),
                Some(
                    "The address must start with http:// or https://, then the server's name, e.g. https://api.example.com/v1"
                ),
                "{odd}"
            );
        }
        assert_eq!(
            address_problem("[::1]:8080/v1").as_deref(),
            Some(
                "The address must start with http:// or https://: write it as http://[::1]:8080/v1"
            )
        );
        assert_eq!(address_problem("HTTPS://api.openai.com/v1"), None);
        // Tryout 96: a user part before the host; an "@" in the path is no problem.
        assert!(
            address_problem("http://127.0.0.1:8090@localhost:8090/openai/v1")
                .is_some_and(|m| m.starts_with("The address holds a user name or password"))
        );
        assert_eq!(address_problem("https://api.example.com/v1/@team"), None);
        assert_eq!(
            address_problem("http://127.0.0.2:8090\\@api.openai.com/openai/v1"),
            None,
            "a backslash ends the host, as the browser reads it"
        );
        assert_eq!(address_problem("http://localhost:11434"), None);
        assert_eq!(address_problem(""), None);
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("http://127.0.0.1:8081/v1/models"), "127.0.0.1:8081");
        assert_eq!(host_of("https://api.openai.com/v1?x=1"), "api.openai.com");
        assert_eq!(host_of("https://user:secret@example.com/v1"), "example.com");
        assert_eq!(host_of("localhost:11434"), "localhost:11434");
        assert_eq!(host_of("HTTPS://API.OpenAI.com:443/v1"), "api.openai.com");
        assert_eq!(host_of("http://[::1]:8080/v1"), "[::1]:8080");
        assert_eq!(
            host_of("https://api.openai.com:8443/v1"),
            "api.openai.com:8443"
        );
        assert_eq!(host_of("  https://%65vil.example/v1 "), "evil.example");
        assert_eq!(host_of("https://evil\t.exa\nmple/v1"), "evil.example");
    }

    #[test]
    fn an_https_page_says_before_the_call_which_http_addresses_it_cannot_call() {
        use super::{blocked_by_page, is_loopback};
        for h in [
            "localhost:11434",
            "127.0.0.2:8000",
            "[::1]:8080",
            "app.localhost",
            "127.255.0.1",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "192.168.1.20:8000",
            "10.0.0.5",
            "127.example.com",
            "localhost.evil.com",
            "[::2]",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
        let lan = "http://192.168.1.20:8000/v1";
        let why = blocked_by_page(true, lan).expect("blocked on an https page");
        assert!(
            why.contains("192.168.1.20:8000") && why.contains("https"),
            "{why}"
        );
        assert_eq!(
            blocked_by_page(false, lan),
            None,
            "an http page may call it"
        );
        assert_eq!(blocked_by_page(true, "http://127.0.0.1:8081/v1"), None);
        assert_eq!(blocked_by_page(true, "https://192.168.1.20/v1"), None);
    }

    // Bug: the "sent only to HOST" hint split URLs by hand, so this showed api.openai.com while the
    // browser sends the key to evil.example (a `\` ends the authority in special schemes).
    #[test]
    fn a_backslash_ends_the_host_as_in_the_browser() {
        assert_eq!(
            host_of("https://evil.example\\@api.openai.com/v1"),
            "evil.example"
        );
        assert_eq!(host_of("https:\\\\evil.example\\v1"), "evil.example");
        assert_eq!(host_of("https://a@b@evil.example/v1"), "evil.example");
    }
}
