use protocol::{EnrollRequest, EnrollResponse};
use reqwest::StatusCode;
use store::SettingKey;
use url::Url;

use crate::error::{Error, Result};
use crate::{Engine, push};

/// This device's token, enrolling first with the stored one-time code if
/// there is no token yet.
pub(crate) async fn token(engine: &Engine, base: &Url) -> Result<String> {
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
    let response = engine
        .send(
            engine.client.post(url).json(&body),
            crate::meter::ANSWER_HEAD + 4096,
        )
        .await?;
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
    let enrolled: EnrollResponse = engine.json(response).await?;
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
            s.set_setting(
                SettingKey::CooperativeSlug,
                Some(&enrolled.cooperative.slug),
            )?;
            s.set_setting(SettingKey::EnrollCode, None)
        })
        .await?;
    Ok(token)
}
