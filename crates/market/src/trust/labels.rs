//! Labels an operator verified, of a cooperative or of one listing: shown
//! on the pages as "verified by the marketplace", apart from anything the
//! cooperative says of itself.

use uuid::Uuid;

use super::text::bounded;
use crate::db::{Row, Tx, args};
use crate::error::{Error, Result};
use crate::lang::Lang;

/// Most characters of a label's note (e.g. the certificate's number).
pub(crate) const MAX_NOTE_CHARS: usize = 200;

/// A mark an operator checked the papers of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[expect(
    clippy::enum_variant_names,
    reason = "`ArtisanLabel` is the mark's own name (the national artisan label)"
)]
pub(crate) enum Label {
    MadeInMorocco,
    /// A protected origin (IGP/AOP), such as argan oil's.
    ProtectedOrigin,
    /// The national artisan label.
    ArtisanLabel,
    CentreOfExcellence,
}

impl Label {
    pub(crate) fn all() -> [Label; 4] {
        [
            Label::MadeInMorocco,
            Label::ProtectedOrigin,
            Label::ArtisanLabel,
            Label::CentreOfExcellence,
        ]
    }

    /// The stored and wire key: `made_in_morocco`, …
    pub(crate) fn key(self) -> &'static str {
        match self {
            Label::MadeInMorocco => "made_in_morocco",
            Label::ProtectedOrigin => "protected_origin",
            Label::ArtisanLabel => "artisan_label",
            Label::CentreOfExcellence => "centre_of_excellence",
        }
    }

    pub(crate) fn parse(key: &str) -> Option<Label> {
        Label::all().into_iter().find(|l| l.key() == key.trim())
    }

    /// The label's name for buyers.
    pub(crate) fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Label::MadeInMorocco, Lang::Ar) => "صنع في المغرب",
            (Label::MadeInMorocco, Lang::Fr) => "Fabriqué au Maroc",
            (Label::MadeInMorocco, Lang::En) => "Made in Morocco",
            (Label::ProtectedOrigin, Lang::Ar) => "منشأ محمي (علامة مميزة للمنشأ والجودة)",
            (Label::ProtectedOrigin, Lang::Fr) => "Origine protégée (IGP / AOP)",
            (Label::ProtectedOrigin, Lang::En) => "Protected origin (PGI / PDO)",
            (Label::ArtisanLabel, Lang::Ar) => "علامة الصناعة التقليدية",
            (Label::ArtisanLabel, Lang::Fr) => "Label de l’artisanat",
            (Label::ArtisanLabel, Lang::En) => "Artisan label",
            (Label::CentreOfExcellence, Lang::Ar) => "مركز التميز",
            (Label::CentreOfExcellence, Lang::Fr) => "Centre d’excellence",
            (Label::CentreOfExcellence, Lang::En) => "Centre of excellence",
        }
    }
}

/// What a label is granted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Subject {
    Cooperative(Uuid),
    Listing(Uuid),
}

impl Subject {
    fn kind(self) -> &'static str {
        match self {
            Subject::Cooperative(_) => "cooperative",
            Subject::Listing(_) => "listing",
        }
    }

    fn id(self) -> String {
        match self {
            Subject::Cooperative(id) | Subject::Listing(id) => id.to_string(),
        }
    }
}

/// A label as granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VerifiedLabel {
    pub label: Label,
    pub note: Option<String>,
    /// The operator's email, or `cli`.
    pub granted_by: String,
    pub granted_at_ms: i64,
}

/// Grants `label` to `subject` (again: the note, operator and time are
/// replaced). Fails if the cooperative or listing does not exist.
pub(crate) fn grant_label(
    tx: &mut Tx<'_>,
    subject: Subject,
    label: Label,
    note: Option<&str>,
    by: &str,
    now_ms: i64,
) -> Result<()> {
    let note = bounded("the note", note, MAX_NOTE_CHARS, false)?;
    let exists = match subject {
        Subject::Cooperative(id) => tx
            .query_opt(
                "SELECT 1 FROM cooperatives WHERE id = ?1",
                args![&id.to_string()],
            )?
            .is_some(),
        Subject::Listing(id) => tx
            .query_opt(
                "SELECT 1 FROM listings WHERE id = ?1 AND deleted = 0",
                args![&id.to_string()],
            )?
            .is_some(),
    };
    if !exists {
        return Err(match subject {
            Subject::Cooperative(id) => Error::UnknownCooperative(id.to_string()),
            Subject::Listing(id) => Error::UnknownListing(id.to_string()),
        });
    }
    tx.execute(
        "INSERT INTO verified_labels (subject_kind, subject_id, label, note, granted_by, granted_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (subject_kind, subject_id, label) DO UPDATE SET
             note = excluded.note, granted_by = excluded.granted_by,
             granted_at_ms = excluded.granted_at_ms",
        args![subject.kind(), &subject.id(), label.key(), &note, by, now_ms],
    )?;
    Ok(())
}

/// Takes `label` back from `subject`; `false` if it did not have it.
pub(crate) fn revoke_label(tx: &mut Tx<'_>, subject: Subject, label: Label) -> Result<bool> {
    let removed = tx.execute(
        "DELETE FROM verified_labels WHERE subject_kind = ?1 AND subject_id = ?2 AND label = ?3",
        args![subject.kind(), &subject.id(), label.key()],
    )?;
    Ok(removed > 0)
}

/// The labels of `subject`, in the order of [`Label::all`].
pub(crate) fn labels(tx: &mut Tx<'_>, subject: Subject) -> Result<Vec<VerifiedLabel>> {
    let rows = tx.query(
        "SELECT label, note, granted_by, granted_at_ms FROM verified_labels
         WHERE subject_kind = ?1 AND subject_id = ?2",
        args![subject.kind(), &subject.id()],
    )?;
    let mut labels = rows
        .iter()
        .filter_map(|row| from_row(row, 0).transpose())
        .collect::<Result<Vec<_>>>()?;
    labels.sort_by_key(|l| l.label);
    Ok(labels)
}

/// Every label granted, newest first.
pub(crate) fn all_labels(tx: &mut Tx<'_>) -> Result<Vec<(Subject, VerifiedLabel)>> {
    let rows = tx.query(
        "SELECT label, note, granted_by, granted_at_ms, subject_kind, subject_id
         FROM verified_labels ORDER BY granted_at_ms DESC, subject_id, label",
        &[],
    )?;
    let mut all = Vec::new();
    for row in &rows {
        let Some(label) = from_row(row, 0)? else {
            continue;
        };
        let id: Uuid = row.get(5)?;
        let subject = match row.get::<String>(4)?.as_str() {
            "cooperative" => Subject::Cooperative(id),
            _ => Subject::Listing(id),
        };
        all.push((subject, label));
    }
    Ok(all)
}

/// The keys of the labels of many subjects of one kind, by subject id.
pub(super) fn keys_of(
    tx: &mut Tx<'_>,
    kind: &str,
    ids: &[String],
) -> Result<std::collections::HashMap<Uuid, Vec<Label>>> {
    let mut found: std::collections::HashMap<Uuid, Vec<Label>> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let placeholders = (2..=ids.len() + 1)
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT subject_id, label FROM verified_labels
         WHERE subject_kind = ?1 AND subject_id IN ({placeholders})"
    );
    let mut values = vec![crate::db::Arg::from(kind)];
    values.extend(ids.iter().map(crate::db::Arg::from));
    for row in tx.query(&sql, &values)? {
        if let Some(label) = Label::parse(&row.get::<String>(1)?) {
            found.entry(row.get(0)?).or_default().push(label);
        }
    }
    for labels in found.values_mut() {
        labels.sort();
    }
    Ok(found)
}

/// A label of a newer build (an unknown key) is skipped: `None`.
fn from_row(row: &Row, first: usize) -> Result<Option<VerifiedLabel>> {
    let Some(label) = Label::parse(&row.get::<String>(first)?) else {
        return Ok(None);
    };
    Ok(Some(VerifiedLabel {
        label,
        note: row.get(first + 1)?,
        granted_by: row.get(first + 2)?,
        granted_at_ms: row.get(first + 3)?,
    }))
}
