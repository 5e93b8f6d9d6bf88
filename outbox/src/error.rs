//! The errors of the outbox: one enum, with the call or table it concerns in its message.

use std::fmt;

/// What went wrong in the outbox.
#[derive(Debug)]
#[non_exhaustive]
pub enum OutboxError {
    /// The database could not be reached or refused a statement (unreachable, read-only, a lock
    /// held too long...). Nothing was lost: a statement that failed changed nothing.
    Database {
        /// What the outbox was doing.
        doing: &'static str,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The tables were written by a newer version of `gusset-outbox` than this one.
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// The newest version this crate knows.
        known: i64,
    },
    /// The tables have not been created: call [`Outbox::migrate`](crate::Outbox::migrate).
    NotMigrated,
    /// A stored row cannot be read back (edited by hand, or written by something else).
    CorruptRow {
        /// The call's id.
        id: String,
        /// What is wrong with it.
        message: String,
    },
    /// The call cannot be stored: it could not be prepared (an invalid parameter, a secret header
    /// set on the call), or its headers are not text.
    Enqueue(String),
    /// The connection given to `enqueue` is of another database than the outbox's.
    WrongDatabase {
        /// The outbox's database.
        outbox: &'static str,
        /// The connection's.
        connection: &'static str,
    },
    /// No call or dead letter with this id.
    NotFound(String),
    /// A setting is not valid (a table prefix that is not an SQL identifier, an unknown URL scheme).
    Config(String),
}

impl OutboxError {
    pub(crate) fn db(doing: &'static str) -> impl FnOnce(sqlx::Error) -> OutboxError {
        move |source| OutboxError::Database { doing, source }
    }
}

impl fmt::Display for OutboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutboxError::Database { doing, source } => write!(f, "the outbox database failed while {doing}: {source}"),
            OutboxError::SchemaTooNew { found, known } => write!(
                f,
                "the outbox tables are at schema version {found}, newer than the {known} this gusset-outbox knows: upgrade it"
            ),
            OutboxError::NotMigrated => write!(f, "the outbox tables do not exist: run `Outbox::migrate` first"),
            OutboxError::CorruptRow { id, message } => write!(f, "the stored call `{id}` cannot be read: {message}"),
            OutboxError::Enqueue(message) => write!(f, "the call cannot be enqueued: {message}"),
            OutboxError::WrongDatabase { outbox, connection } => {
                write!(f, "the outbox is on {outbox} but the connection given is {connection}")
            }
            OutboxError::NotFound(id) => write!(f, "no call or dead letter `{id}`"),
            OutboxError::Config(message) => write!(f, "invalid outbox setting: {message}"),
        }
    }
}

impl std::error::Error for OutboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OutboxError::Database { source, .. } => Some(source),
            _ => None,
        }
    }
}
