//! `[http] cors_origins`: what counts as an origin a browser names (`scheme://host[:port]`).

/// Why `origin` cannot be configured, if it cannot: it must be `scheme://host[:port]`, nothing more.
pub fn origin_problem(origin: &str) -> Option<String> {
    if origin == "*" {
        return Some(
            "`*` would let any site read with a token a browser holds; name each origin".into(),
        );
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Some(format!(
            "`{origin}` is not an origin like https://grafana.example.com"
        ));
    };
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !matches!(scheme, "http" | "https") || !host_ok {
        return Some(format!(
            "`{origin}` is not an origin: give scheme://host[:port], without a path or a trailing slash"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_origins_can_be_configured() {
        for good in [
            "https://grafana.example.com",
            "http://localhost:3000",
            "https://[::1]:8443",
        ] {
            assert_eq!(origin_problem(good), None, "{good}");
        }
        for bad in [
            "*",
            "grafana.example.com",
            "https://grafana.example.com/",
            "ftp://x",
            "https://",
            "https://a/b",
        ] {
            assert!(origin_problem(bad).is_some(), "{bad}");
        }
    }
}
