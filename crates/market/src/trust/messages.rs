//! Messages buyers send a cooperative through its page: the marketplace
//! keeps them for its operators to forward, so no address of the
//! cooperative is ever shown.

use uuid::Uuid;

use super::text::required;
use crate::db::{Row, Tx, args};
use crate::error::{Error, Result};

pub(crate) const MAX_SENDER_CHARS: usize = 100;
pub(crate) const MAX_REPLY_TO_CHARS: usize = 200;
pub(crate) const MAX_BODY_CHARS: usize = 2000;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageState {
    New,
    /// Passed on to the cooperative.
    Forwarded,
    Spam,
}

impl MessageState {
    pub(crate) fn key(self) -> &'static str {
        match self {
            MessageState::New => "new",
            MessageState::Forwarded => "forwarded",
            MessageState::Spam => "spam",
        }
    }

    pub(crate) fn parse(key: &str) -> Option<MessageState> {
        [
            MessageState::New,
            MessageState::Forwarded,
            MessageState::Spam,
        ]
        .into_iter()
        .find(|s| s.key() == key.trim())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContactMessage {
    pub id: Uuid,
    pub cooperative_id: Uuid,
    /// The listing the buyer wrote about, if any.
    pub listing_id: Option<Uuid>,
    pub sender_name: String,
    /// The buyer's email or phone.
    pub reply_to: String,
    pub body: String,
    pub at_ms: i64,
    pub state: MessageState,
}

/// What is wrong with a message as typed, or `None`: each part present
/// and within its length, the reply-to an email or a phone number.
pub(crate) fn message_problem(sender_name: &str, reply_to: &str, body: &str) -> Option<Error> {
    let checks = [
        required("the name", sender_name, MAX_SENDER_CHARS, false).err(),
        required("the email or phone", reply_to, MAX_REPLY_TO_CHARS, false).err(),
        required("the message", body, MAX_BODY_CHARS, true).err(),
    ];
    if let Some(problem) = checks.into_iter().flatten().next() {
        return Some(problem);
    }
    (!is_email_or_phone(reply_to.trim())).then_some(Error::NotAnAddress)
}

/// `someone@somewhere.tld`, or a phone number: digits with `+`, spaces,
/// dots, dashes and brackets, 6 to 15 digits.
fn is_email_or_phone(text: &str) -> bool {
    if let Some((user, domain)) = text.rsplit_once('@') {
        return !user.is_empty()
            && !text.contains(char::is_whitespace)
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.');
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
}

/// Keeps a buyer's message to `coop_id` (which must exist); its id.
pub(crate) fn add_message(
    tx: &mut Tx<'_>,
    coop_id: Uuid,
    listing_id: Option<Uuid>,
    sender_name: &str,
    reply_to: &str,
    body: &str,
    now_ms: i64,
) -> Result<Uuid> {
    if let Some(problem) = message_problem(sender_name, reply_to, body) {
        return Err(problem);
    }
    let sender_name = required("the name", sender_name, MAX_SENDER_CHARS, false)?;
    let reply_to = required("the email or phone", reply_to, MAX_REPLY_TO_CHARS, false)?;
    let body = required("the message", body, MAX_BODY_CHARS, true)?;
    let coop = coop_id.to_string();
    if tx
        .query_opt("SELECT 1 FROM cooperatives WHERE id = ?1", args![&coop])?
        .is_none()
    {
        return Err(Error::UnknownCooperative(coop));
    }
    let id = Uuid::now_v7();
    let listing = listing_id.map(|l| l.to_string());
    tx.execute(
        "INSERT INTO contact_messages
             (id, cooperative_id, listing_id, sender_name, reply_to, body, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![
            &id.to_string(),
            &coop,
            &listing,
            &sender_name,
            &reply_to,
            &body,
            now_ms
        ],
    )?;
    Ok(id)
}

/// The newest `limit` messages, of one cooperative or of all, newest first.
pub(crate) fn messages(
    tx: &mut Tx<'_>,
    coop_id: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ContactMessage>> {
    const COLUMNS: &str =
        "id, cooperative_id, listing_id, sender_name, reply_to, body, at_ms, state";
    let rows = match coop_id {
        Some(coop) => tx.query(
            &format!(
                "SELECT {COLUMNS} FROM contact_messages WHERE cooperative_id = ?1
                 ORDER BY at_ms DESC, id DESC LIMIT ?2"
            ),
            args![&coop.to_string(), limit],
        )?,
        None => tx.query(
            &format!(
                "SELECT {COLUMNS} FROM contact_messages ORDER BY at_ms DESC, id DESC LIMIT ?1"
            ),
            args![limit],
        )?,
    };
    rows.iter().map(from_row).collect()
}

/// Marks message `id`; `false` if there is none.
pub(crate) fn set_message_state(tx: &mut Tx<'_>, id: Uuid, state: MessageState) -> Result<bool> {
    let changed = tx.execute(
        "UPDATE contact_messages SET state = ?2 WHERE id = ?1",
        args![&id.to_string(), state.key()],
    )?;
    Ok(changed > 0)
}

fn from_row(row: &Row) -> Result<ContactMessage> {
    Ok(ContactMessage {
        id: row.get(0)?,
        cooperative_id: row.get(1)?,
        listing_id: row.get(2)?,
        sender_name: row.get(3)?,
        reply_to: row.get(4)?,
        body: row.get(5)?,
        at_ms: row.get(6)?,
        state: MessageState::parse(&row.get::<String>(7)?).unwrap_or(MessageState::New),
    })
}
