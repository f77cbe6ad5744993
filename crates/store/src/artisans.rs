use std::fmt;
use std::str::FromStr;

use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::Store;
use crate::error::{Error, Field, Reason, Result, ValidationError};

/// A member of the cooperative who makes products: provenance is what
/// buyers pay for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArtisanId(Uuid);

impl fmt::Display for ArtisanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ArtisanId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Uuid::parse_str(s.trim())
            .map(ArtisanId)
            .map_err(|_| Error::NotFound(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artisan {
    pub id: ArtisanId,
    pub name: String,
    /// Village or commune.
    pub village: Option<String>,
    pub craft: Option<String>,
}

impl Store {
    pub fn add_artisan(
        &mut self,
        name: &str,
        village: Option<&str>,
        craft: Option<&str>,
        now_ms: i64,
    ) -> Result<Artisan> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ValidationError {
                field: Field::Name,
                reason: Reason::Required,
            }
            .into());
        }
        if name.chars().count() > 200 {
            return Err(ValidationError {
                field: Field::Name,
                reason: Reason::TooLong,
            }
            .into());
        }
        let clean = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let artisan = Artisan {
            id: ArtisanId(Uuid::now_v7()),
            name: name.to_owned(),
            village: clean(village),
            craft: clean(craft),
        };
        self.conn.execute(
            "INSERT INTO artisans (id, name, village, craft, created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            (artisan.id.to_string(), &artisan.name, &artisan.village, &artisan.craft, now_ms),
        )?;
        Ok(artisan)
    }

    pub fn artisans(&self) -> Result<Vec<Artisan>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name, village, craft FROM artisans ORDER BY name")?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
            ))
        })?;
        rows.map(|r| {
            let (id, name, village, craft) = r?;
            Ok(Artisan {
                id: id.parse()?,
                name,
                village,
                craft,
            })
        })
        .collect()
    }

    /// The artisan named `name` (case-insensitive), if any.
    pub fn artisan_by_name(&self, name: &str) -> Result<Option<Artisan>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, name, village, craft FROM artisans WHERE name = ?1 COLLATE NOCASE",
                [name.trim()],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(id, name, village, craft)| {
            Ok(Artisan {
                id: id.parse()?,
                name,
                village,
                craft,
            })
        })
        .transpose()
    }
}
