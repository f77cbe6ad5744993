//! The desktop app's updater, over HTTP (releases are added by the
//! operator, see `releases.rs`):
//!
//! - `GET /v1/app/update/{target}/{arch}/{current_version}`: 204 when no
//!   newer release exists for this system, else tauri-plugin-updater's
//!   static JSON for the newest version, with only this system's packages
//!   (`linux-x86_64`, `linux-x86_64-deb`…), plus `notes_i18n` and `sizes`,
//!   which the updater ignores and the app shows.
//! - `GET /v1/app/packages/{sha256}/{file_name}`: the package, streamed from
//!   the blob store with `Range` (a download cut mid-way goes on), cached
//!   for good: its URL names its content.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::lang::Lang;
use crate::releases::{self, Release};
use crate::{Market, blobs, pages, ranged};

pub(crate) fn router() -> Router<Market> {
    Router::new()
        .route("/app/update/{target}/{arch}/{current_version}", get(update))
        .route("/app/packages/{sha256}/{file_name}", get(package))
}

/// A package's bytes never change under its URL.
const PACKAGE_CACHE: &str = "public, max-age=31536000, immutable";

/// The answer the updater reads: tauri-plugin-updater's static format.
#[derive(Debug, Serialize)]
struct Manifest {
    version: String,
    /// In the asked language, else another.
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    /// RFC 3339, UTC: `2026-12-07T10:00:00Z`.
    pub_date: String,
    platforms: BTreeMap<String, Package>,
    /// The notes in each language they were given in.
    notes_i18n: Notes,
    /// Each package's length in bytes, by platform.
    sizes: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
struct Package {
    url: String,
    signature: String,
}

#[derive(Debug, Default, Serialize)]
struct Notes {
    #[serde(skip_serializing_if = "Option::is_none")]
    ar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    en: Option<String>,
}

impl Notes {
    /// In `lang`, else French, Arabic, English: the first there is.
    fn pick(&self, lang: Lang) -> Option<String> {
        let of = |l: Lang| match l {
            Lang::Ar => self.ar.clone(),
            Lang::Fr => self.fr.clone(),
            Lang::En => self.en.clone(),
        };
        [lang, Lang::Fr, Lang::Ar, Lang::En]
            .into_iter()
            .find_map(of)
    }
}

#[derive(Debug, Default, Deserialize)]
struct UpdateQuery {
    lang: Option<String>,
}

async fn update(
    State(market): State<Market>,
    Path((target, arch, current)): Path<(String, String, String)>,
    query: Result<Query<UpdateQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    releases::check_os_arch(&target, &arch).map_err(|err| AppError::BadRequest(err.to_string()))?;
    let current =
        releases::parse_version(&current).map_err(|err| AppError::BadRequest(err.to_string()))?;
    let query = query.map_or_else(|_| UpdateQuery::default(), |Query(q)| q);
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = Lang::negotiate(query.lang.as_deref(), accept);
    let (os, cpu) = (target.clone(), arch.clone());
    let found = market
        .read(move |tx| releases::for_os_arch(tx, &os, &cpu))
        .await?;
    let packages = releases::update_for(found, &target, &arch, &current);
    let no_cache = [(CACHE_CONTROL, "no-cache")];
    let Some(first) = packages.first() else {
        return Ok((StatusCode::NO_CONTENT, no_cache).into_response());
    };
    let base = pages::base_url(&market, &headers);
    let notes = Notes {
        ar: packages.iter().find_map(|p| p.notes_ar.clone()),
        fr: packages.iter().find_map(|p| p.notes_fr.clone()),
        en: packages.iter().find_map(|p| p.notes_en.clone()),
    };
    let pub_date_ms = packages.iter().map(|p| p.pub_date_ms).max().unwrap_or(0);
    let manifest = Manifest {
        version: first.version.clone(),
        notes: notes.pick(lang),
        pub_date: rfc3339(pub_date_ms),
        platforms: packages
            .iter()
            .map(|p| {
                let package = Package {
                    url: package_url(&base, p),
                    signature: p.signature.clone(),
                };
                (p.platform.clone(), package)
            })
            .collect(),
        sizes: packages
            .iter()
            .map(|p| (p.platform.clone(), p.size))
            .collect(),
        notes_i18n: notes,
    };
    Ok((no_cache, axum::Json(manifest)).into_response())
}

/// Where the package of `release` downloads from. File names are plain
/// ASCII (`releases.rs` refuses others): nothing to escape.
fn package_url(base: &str, release: &Release) -> String {
    format!(
        "{base}{}/app/packages/{}/{}",
        protocol::API_PREFIX,
        release.sha256,
        release.file_name
    )
}

/// `ms` since the epoch as RFC 3339 in UTC, to the second: `…T10:00:00Z`.
fn rfc3339(ms: i64) -> String {
    let seconds = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    seconds
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn package(
    State(market): State<Market>,
    Path((sha256, file_name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let not_found = || {
        let mut response = AppError::NotFound(format!(
            "no package is `{sha256}/{file_name}` — ask /v1/app/update for the current one"
        ))
        .into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    };
    if !blobs::is_sha256(&sha256) {
        return Ok(not_found());
    }
    let (sha, name) = (sha256.clone(), file_name.clone());
    let Some(size) = market
        .read(move |tx| releases::package_size(tx, &sha, &name))
        .await?
    else {
        return Ok(not_found());
    };
    let blob = ranged::Blob {
        key: blobs::release_key(&sha256),
        size,
        etag: format!("\"{sha256}\""),
        headers: vec![
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (CACHE_CONTROL, PACKAGE_CACHE.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
    };
    Ok(ranged::respond(market.blobs(), blob, &headers)
        .await?
        .unwrap_or_else(not_found))
}

#[cfg(test)]
mod tests {
    use super::{Manifest, Notes, Package, rfc3339};
    use crate::lang::Lang;

    /// Every field of the manifest, all set, is declared in `openapi.json`.
    #[test]
    fn the_manifest_is_documented() {
        let manifest = Manifest {
            version: "0.2.0".into(),
            notes: Some("Corrections".into()),
            pub_date: rfc3339(0),
            platforms: [(
                "linux-x86_64".to_owned(),
                Package {
                    url: "http://souk.test/v1/app/packages/a/b".into(),
                    signature: "c".into(),
                },
            )]
            .into(),
            notes_i18n: Notes {
                ar: Some("ar".into()),
                fr: Some("fr".into()),
                en: Some("en".into()),
            },
            sizes: [("linux-x86_64".to_owned(), 1)].into(),
        };
        let document: serde_json::Value = serde_json::from_str(crate::openapi::DOCUMENT).unwrap();
        let schema = &document["components"]["schemas"]["AppUpdate"];
        let json = serde_json::to_value(&manifest).unwrap();
        for (key, value) in json.as_object().unwrap() {
            let declared = &schema["properties"][key];
            assert!(
                declared.is_object(),
                "AppUpdate.{key} is not in openapi.json"
            );
            if key == "notes_i18n" {
                for lang in value.as_object().unwrap().keys() {
                    assert!(
                        declared["properties"][lang].is_object(),
                        "notes_i18n.{lang}"
                    );
                }
            }
        }
        let package = &schema["properties"]["platforms"]["additionalProperties"]["properties"];
        for key in json["platforms"]["linux-x86_64"]
            .as_object()
            .unwrap()
            .keys()
        {
            assert!(package[key].is_object(), "platforms.*.{key}");
        }
    }

    #[test]
    fn dates_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(1_796_637_600_000), "2026-12-07T10:00:00Z");
        assert_eq!(rfc3339(1_796_637_600_999), "2026-12-07T10:00:00Z");
    }

    #[test]
    fn notes_fall_back_to_french_then_any() {
        let notes = Notes {
            ar: Some("ar".into()),
            fr: None,
            en: Some("en".into()),
        };
        assert_eq!(notes.pick(Lang::En).as_deref(), Some("en"));
        assert_eq!(notes.pick(Lang::Fr).as_deref(), Some("ar"));
        let french = Notes {
            fr: Some("fr".into()),
            ..Notes::default()
        };
        assert_eq!(french.pick(Lang::Ar).as_deref(), Some("fr"));
        assert_eq!(Notes::default().pick(Lang::Ar), None);
    }
}
