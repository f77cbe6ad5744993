//! Which marketplace addresses the app will talk to. Device tokens and
//! enrollment codes must never cross the internet in clear: plain `http://`
//! is accepted only for this computer and private LAN addresses (a
//! marketplace on the cooperative's own network, or a test one). Pure.

use std::net::IpAddr;

use url::{Host, Url};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MarketUrlError {
    #[error("not a marketplace address (https://… with a host name)")]
    Invalid,
    #[error("plain http:// is only allowed on this computer or a private network; use https://")]
    Insecure,
}

/// Parses what the manager typed (`souk.example.org`, `https://…`),
/// defaulting to `https://`, and checks it is an address the app may use.
pub fn parse_market_url(text: &str) -> Result<Url, MarketUrlError> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|_| MarketUrlError::Invalid)?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.query().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !ok {
        return Err(MarketUrlError::Invalid);
    }
    check_market_url(&url)?;
    Ok(url)
}

/// A listing's public page on the marketplace at `base` (kept under
/// `base`'s path, like the API), in the manager's language. Pure.
pub fn public_page_url(base: &Url, listing: uuid::Uuid, lang: &str) -> Url {
    let mut url = base.clone();
    let path = format!("{}/l/{listing}", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    url.query_pairs_mut().append_pair("lang", lang);
    url
}

/// `https://` anywhere; `http://` only to loopback and private addresses.
pub fn check_market_url(url: &Url) -> Result<(), MarketUrlError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if host_is_private(url.host()) => Ok(()),
        "http" => Err(MarketUrlError::Insecure),
        _ => Err(MarketUrlError::Invalid),
    }
}

fn host_is_private(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip_is_private(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => ip_is_private(IpAddr::V6(ip)),
        None => false,
    }
}

fn ip_is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return ip_is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                // fc00::/7, unique local
                || (first & 0xfe00) == 0xfc00
                // fe80::/10, link local
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Whether `url` may receive this device's token: same scheme, host and
/// port as the marketplace (a tus `Location` pointing elsewhere must not
/// get it).
pub fn same_origin(url: &Url, market: &Url) -> bool {
    url.origin() == market.origin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_page_is_under_the_marketplace_address_in_the_managers_language() {
        let id = uuid::Uuid::parse_str("0190a1b2-0000-7000-8000-000000000001").unwrap();
        let at = |base: &str| public_page_url(&Url::parse(base).unwrap(), id, "ar").to_string();
        assert_eq!(
            at("https://souk.example.org"),
            "https://souk.example.org/l/0190a1b2-0000-7000-8000-000000000001?lang=ar"
        );
        assert_eq!(
            at("https://example.org/hanout/"),
            "https://example.org/hanout/l/0190a1b2-0000-7000-8000-000000000001?lang=ar"
        );
    }

    #[test]
    fn https_anywhere_http_only_at_home() {
        for ok in [
            "souk.example.org",
            "https://souk.example.org/",
            "http://127.0.0.1:7878",
            "http://localhost:7878",
            "http://192.168.1.20:7878",
            "http://10.0.0.5",
            "http://172.16.3.4",
            "http://[::1]:7878",
            "http://[fd12::1]",
            "http://169.254.10.10",
        ] {
            assert!(parse_market_url(ok).is_ok(), "{ok}");
        }
        for insecure in [
            "http://souk.example.org",
            "http://8.8.8.8",
            "http://172.32.0.1",
            "http://[2001:db8::1]",
            "http://localhost.example.org",
        ] {
            assert_eq!(
                parse_market_url(insecure),
                Err(MarketUrlError::Insecure),
                "{insecure}"
            );
        }
        for invalid in [
            "",
            "ftp://souk.example.org",
            "https://u:p@souk.example.org",
            "https://souk.example.org/?a=1",
        ] {
            assert_eq!(
                parse_market_url(invalid),
                Err(MarketUrlError::Invalid),
                "{invalid}"
            );
        }
    }

    #[test]
    fn tokens_stay_with_the_marketplace() {
        let market = Url::parse("https://souk.example.org").unwrap();
        assert!(same_origin(
            &Url::parse("https://souk.example.org/v1/uploads/x").unwrap(),
            &market
        ));
        assert!(!same_origin(
            &Url::parse("https://evil.example.org/v1/uploads/x").unwrap(),
            &market
        ));
        assert!(!same_origin(
            &Url::parse("http://souk.example.org/v1/uploads/x").unwrap(),
            &market
        ));
        assert!(!same_origin(
            &Url::parse("https://souk.example.org:8443/x").unwrap(),
            &market
        ));
    }
}
