//! Queries on `mailbox`: the dev mailbox, where mail goes when no SMTP server is set.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use super::schema::mailbox::dsl;

/// A stored mail.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::mailbox)]
pub struct StoredMail {
    pub id: i32,
    pub message_id: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attachment_name: Option<String>,
    pub attachment: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A mail to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::mailbox)]
pub struct NewMail<'a> {
    pub message_id: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub attachment_name: Option<&'a str>,
    pub attachment: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// Stores a mail once: a second delivery of the same Message-ID changes nothing.
pub fn store(conn: &mut Conn, mail: &NewMail<'_>) -> QueryResult<()> {
    let known: i64 = dsl::mailbox
        .filter(dsl::message_id.eq(mail.message_id))
        .count()
        .get_result(conn)?;
    if known > 0 {
        return Ok(());
    }
    match diesel::insert_into(dsl::mailbox).values(mail).execute(conn) {
        Ok(_) => Ok(()),
        Err(error) if super::is_unique_violation(&error) => Ok(()),
        Err(error) => Err(error),
    }
}

/// The newest mails first.
pub fn recent(conn: &mut Conn, limit: i64) -> QueryResult<Vec<StoredMail>> {
    dsl::mailbox
        .order(dsl::id.desc())
        .limit(limit)
        .select(StoredMail::as_select())
        .load(conn)
}

pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<StoredMail>> {
    dsl::mailbox
        .find(id)
        .select(StoredMail::as_select())
        .first(conn)
        .optional()
}

/// Every mail to one address, oldest first (tests read the links out of them).
pub fn to_recipient(conn: &mut Conn, recipient: &str) -> QueryResult<Vec<StoredMail>> {
    dsl::mailbox
        .filter(dsl::recipient.eq(recipient))
        .order(dsl::id)
        .select(StoredMail::as_select())
        .load(conn)
}

/// Deletes up to `limit` dev-mailbox mails stored before `before`, oldest first; returns
/// how many. Safe on several instances at once.
pub fn purge_older(conn: &mut Conn, before: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    let old = || dsl::mailbox.filter(dsl::created_at.lt(before));
    let ids: Vec<i32> = old()
        .order(dsl::id)
        .limit(limit)
        .select(dsl::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::delete(old().filter(dsl::id.eq_any(&ids))).execute(conn)
}
