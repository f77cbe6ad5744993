//! Finding the laptops that share on this network, over mDNS (DNS-SD).
//! Blocked on many networks (client isolation, Windows "public"
//! profiles): the address shown on the sharing laptop is the fallback.

use std::time::{Duration, Instant};

use crate::{Error, Mdns, Result};

/// A laptop found sharing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its name (the cooperative and a few characters of its key).
    pub name: String,
    pub key: String,
    /// `ip:port`, IPv4 first.
    pub addresses: Vec<String>,
}

/// Listens for shares for up to `wait` (blocking: call it off the async
/// runtime); returns early once `enough` are found.
pub fn discover(scope: Mdns, wait: Duration, enough: usize) -> Result<Vec<Found>> {
    let err = |e: mdns_sd::Error| Error::Discovery(e.to_string());
    let Some(daemon) = scope.daemon()? else {
        return Ok(Vec::new());
    };
    let events = daemon.browse(crate::SERVICE_TYPE).map_err(err)?;
    let deadline = Instant::now() + wait;
    let mut found: Vec<Found> = Vec::new();
    while found.len() < enough.max(1) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match events.recv_timeout(left) {
            Ok(mdns_sd::ServiceEvent::ServiceResolved(info)) => {
                let key = info
                    .get_property_val_str("key")
                    .unwrap_or_default()
                    .to_owned();
                if key.is_empty() || found.iter().any(|f| f.key == key) {
                    continue;
                }
                let mut ips: Vec<std::net::IpAddr> = info
                    .get_addresses()
                    .iter()
                    .map(|ip| ip.to_ip_addr())
                    .collect();
                ips.sort_by_key(|ip| (!ip.is_ipv4(), ip.is_loopback(), *ip));
                found.push(Found {
                    name: info
                        .get_property_val_str("name")
                        .unwrap_or("Hanout")
                        .to_owned(),
                    key,
                    addresses: ips
                        .into_iter()
                        .map(|ip| std::net::SocketAddr::new(ip, info.get_port()).to_string())
                        .collect(),
                });
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let _ = daemon.shutdown();
    Ok(found)
}
