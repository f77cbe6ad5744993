use rusqlite::OptionalExtension;

use crate::{Result, Store};

/// The cooperative this installation belongs to (one per installation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cooperative {
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub registration_no: Option<String>,
    pub region: Option<String>,
    pub contact: Option<String>,
}

impl Store {
    pub fn cooperative(&self) -> Result<Cooperative> {
        let coop = self
            .conn
            .query_row(
                "SELECT name_ar, name_fr, registration_no, region, contact FROM cooperative WHERE id = 1",
                [],
                |row| {
                    Ok(Cooperative {
                        name_ar: row.get(0)?,
                        name_fr: row.get(1)?,
                        registration_no: row.get(2)?,
                        region: row.get(3)?,
                        contact: row.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(coop.unwrap_or_default())
    }

    pub fn set_cooperative(&self, coop: &Cooperative) -> Result<()> {
        self.conn.execute(
            "INSERT INTO cooperative (id, name_ar, name_fr, registration_no, region, contact) VALUES (1, ?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET name_ar = excluded.name_ar, name_fr = excluded.name_fr,
               registration_no = excluded.registration_no, region = excluded.region, contact = excluded.contact",
            (&coop.name_ar, &coop.name_fr, &coop.registration_no, &coop.region, &coop.contact),
        )?;
        Ok(())
    }
}
