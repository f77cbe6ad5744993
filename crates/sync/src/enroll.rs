use protocol::{EnrollRequest, EnrollResponse};
use reqwest::StatusCode;
use store::SettingKey;
use url::Url;

use crate::error::{Error, Result};
use crate::{Engine, push};

/// This device's token, enrolling first with the stored one-time code if
/// there is no token yet.
pub(crate) async fn token(engine: &Engine, base: &Url) -> Result<String> {
    claim_catalog(engine).await?;
    let (token, code) = engine
        .with_store(|s| {
            Ok((
                s.setting(SettingKey::DeviceToken)?,
                s.setting(SettingKey::EnrollCode)?,
            ))
        })
        .await?;
    if let Some(token) = token {
        return Ok(token);
    }
    let code = code.ok_or(Error::NotEnrolled)?;
    let device_key = engine
        .with_store(|s| {
            if let Some(key) = s.setting(SettingKey::DeviceKey)?
                && let Ok(key) = uuid::Uuid::parse_str(&key)
            {
                return Ok(key);
            }
            let key = uuid::Uuid::now_v7();
            s.set_setting(SettingKey::DeviceKey, Some(&key.to_string()))?;
            Ok(key)
        })
        .await?;

    let url = push::endpoint(base, "enroll")?;
    let body = EnrollRequest {
        code: code.clone(),
        device_name: engine.config.device_name.clone(),
        device_key: Some(device_key),
    };
    let response = engine.client.post(url).json(&body).send().await?;
    match response.status() {
        StatusCode::OK => {}
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            // Wrong, used or expired: trying it again only burns the
            // address's enrollment attempts. Forget it; the manager types
            // a new one and the status says why.
            let refused = code.clone();
            engine
                .with_store(move |s| {
                    if s.setting(SettingKey::EnrollCode)?.as_deref() == Some(refused.as_str()) {
                        s.set_setting(SettingKey::EnrollCode, None)?;
                    }
                    Ok(())
                })
                .await?;
            tracing::warn!("enrollment code refused; forgotten");
            return Err(Error::Unauthorized("enrollment code refused".to_owned()));
        }
        status => return Err(push::unexpected(status)),
    }
    let enrolled: EnrollResponse = response.json().await?;
    tracing::info!(cooperative = %enrolled.cooperative.slug, device = %enrolled.device_id, "enrolled");
    let token = enrolled.token.clone();
    engine
        .with_store(move |s| {
            let cooperative = enrolled.cooperative.id.to_string();
            if s.setting(SettingKey::CooperativeId)?.as_deref() != Some(cooperative.as_str()) {
                // Another cooperative's feed: the old cursor would skip
                // everything it published before that point.
                s.set_setting(SettingKey::PullCursor, None)?;
                s.set_setting(SettingKey::CooperativeId, Some(&cooperative))?;
            }
            s.set_setting(SettingKey::DeviceToken, Some(&enrolled.token))?;
            s.set_setting(
                SettingKey::CooperativeName,
                Some(&enrolled.cooperative.name),
            )?;
            s.set_setting(SettingKey::EnrollCode, None)
        })
        .await?;
    Ok(token)
}

/// The file beside the catalog naming this installation. A backup holds
/// only the catalog, so a laptop restored from another's backup has its
/// own file (or makes one), and the catalog names the other's.
const INSTALLATION_FILE: &str = "installation-id";

/// A catalog restored from another laptop's backup carries that laptop's
/// device key and token: used here, the two laptops would be one device to
/// the marketplace (one clock stamp owner), and enrolling the copy with the
/// other's key would revoke the other laptop. So the catalog records which
/// installation it belongs to; in another one its key and token are
/// forgotten and this laptop enrolls anew with a code of its own. (A
/// catalog from before this rule is taken as this installation's. A whole
/// data directory copied with its `installation-id` file stays one device.)
async fn claim_catalog(engine: &Engine) -> Result<()> {
    let catalog = engine.with_store(|s| Ok(s.path().to_owned())).await?;
    let file = catalog
        .parent()
        .map(|dir| dir.join(INSTALLATION_FILE))
        .unwrap_or_else(|| INSTALLATION_FILE.into());
    let here = tokio::task::spawn_blocking(move || installation_id(&file))
        .await?
        .map_err(store::Error::Io)?;
    engine
        .with_store(move |s| {
            match s.setting(SettingKey::Installation)? {
                Some(id) if id == here => return Ok(()),
                Some(other) => {
                    tracing::warn!(
                        catalog_of = %other,
                        "this catalog comes from another installation (a restored backup?): \
                         enrolling this laptop as a device of its own"
                    );
                    s.set_setting(SettingKey::DeviceToken, None)?;
                    s.set_setting(SettingKey::DeviceKey, None)?;
                }
                None => {}
            }
            s.set_setting(SettingKey::Installation, Some(&here))
        })
        .await
}

/// This installation's id, made (and made durable) on first use.
fn installation_id(file: &std::path::Path) -> std::io::Result<String> {
    if let Ok(text) = std::fs::read_to_string(file)
        && let Ok(id) = uuid::Uuid::parse_str(text.trim())
    {
        return Ok(id.to_string());
    }
    let id = uuid::Uuid::now_v7().to_string();
    let temp = file.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(id.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&temp, file)?;
    Ok(id)
}
