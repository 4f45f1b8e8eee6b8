//! Plain descriptions of HTTP requests and URLs, built by the codecs and sent by `net`.

/// The host (and port) of a URL, for messages: never the path, query or fragment.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    // Drop any user-info so a credential typed into a URL never reaches a message.
    authority.rsplit('@').next().unwrap_or(authority).to_owned()
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts() {
        assert_eq!(host_of("http://127.0.0.1:8081/v1/models"), "127.0.0.1:8081");
        assert_eq!(host_of("https://api.openai.com/v1?x=1"), "api.openai.com");
        assert_eq!(host_of("https://user:secret@example.com/v1"), "example.com");
        assert_eq!(host_of("localhost:11434"), "localhost:11434");
    }
}
