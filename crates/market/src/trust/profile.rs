//! Who sells: a cooperative's legal name, registration number (e.g. its
//! ODCo number), city and region, on its page and in the public JSON.

use uuid::Uuid;

use super::text::bounded;
use crate::db::{Tx, args};
use crate::error::{Error, Result};

/// Most characters of each field of a [`Profile`].
pub(crate) const MAX_PROFILE_CHARS: usize = 200;

/// A cooperative's legal profile; `None`: not said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    pub legal_name: Option<String>,
    pub registration: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
}

/// The profile of the cooperative `coop_id`.
pub(crate) fn profile(tx: &mut Tx<'_>, coop_id: Uuid) -> Result<Profile> {
    let row = tx
        .query_opt(
            "SELECT legal_name, registration, city, region FROM cooperatives WHERE id = ?1",
            args![&coop_id.to_string()],
        )?
        .ok_or_else(|| Error::UnknownCooperative(coop_id.to_string()))?;
    Ok(Profile {
        legal_name: row.get(0)?,
        registration: row.get(1)?,
        city: row.get(2)?,
        region: row.get(3)?,
    })
}

/// Replaces the profile of `coop_id`: each field trimmed, an empty one
/// unset, one longer than [`MAX_PROFILE_CHARS`] refused.
pub(crate) fn set_profile(tx: &mut Tx<'_>, coop_id: Uuid, profile: &Profile) -> Result<()> {
    let field =
        |name, value: &Option<String>| bounded(name, value.as_deref(), MAX_PROFILE_CHARS, false);
    let legal_name = field("the legal name", &profile.legal_name)?;
    let registration = field("the registration number", &profile.registration)?;
    let city = field("the city", &profile.city)?;
    let region = field("the region", &profile.region)?;
    let changed = tx.execute(
        "UPDATE cooperatives SET legal_name = ?2, registration = ?3, city = ?4, region = ?5
         WHERE id = ?1",
        args![
            &coop_id.to_string(),
            &legal_name,
            &registration,
            &city,
            &region
        ],
    )?;
    if changed == 0 {
        return Err(Error::UnknownCooperative(coop_id.to_string()));
    }
    Ok(())
}
