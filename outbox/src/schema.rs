//! The tables and their versions. Each version is a list of statements; [`migrate`] applies the
//! missing ones in one transaction and records the version in `<prefix>schema`.
//!
//! Times are milliseconds since the Unix epoch in `BIGINT` columns, the same on both databases.

use crate::error::OutboxError;

/// The newest schema version this crate writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Which database an outbox is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (a file, WAL journal).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Table names, from a validated prefix.
#[derive(Clone, Debug)]
pub(crate) struct Tables {
    pub(crate) prefix: String,
    pub(crate) calls: String,
    pub(crate) dead: String,
    pub(crate) schema: String,
}

impl Tables {
    pub(crate) fn new(prefix: &str) -> Result<Self, OutboxError> {
        let valid = !prefix.is_empty()
            && prefix.len() <= 40
            && prefix.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(OutboxError::Config(format!(
                "table prefix `{}` must be 1 to 40 of `a-z`, `0-9`, `_`, not starting with a digit",
                prefix.escape_debug()
            )));
        }
        Ok(Tables {
            prefix: prefix.to_owned(),
            calls: format!("{prefix}calls"),
            dead: format!("{prefix}dead"),
            schema: format!("{prefix}schema"),
        })
    }
}

/// The statements of schema version `version` (1-based).
pub(crate) fn version(tables: &Tables, backend: Backend, version: i64) -> Vec<String> {
    let blob = match backend {
        Backend::Sqlite => "BLOB",
        Backend::Postgres => "BYTEA",
    };
    let Tables { prefix, calls, dead, .. } = tables;
    // Columns shared by pending calls and dead letters: the stored request and its history.
    let request = format!(
        "id TEXT PRIMARY KEY,
         operation_id TEXT NOT NULL,
         method TEXT NOT NULL,
         path_template TEXT NOT NULL,
         security TEXT NOT NULL,
         url TEXT NOT NULL,
         headers TEXT NOT NULL,
         body {blob},
         idempotency_key TEXT,
         correlation_id TEXT NOT NULL,
         keep_body BIGINT NOT NULL,
         attempts BIGINT NOT NULL,
         next_attempt_at BIGINT NOT NULL,
         created_at BIGINT NOT NULL,
         last_error TEXT"
    );
    match version {
        1 => vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {calls} ({request},
                 lease_owner TEXT,
                 lease_until BIGINT,
                 delivered_at BIGINT,
                 status BIGINT,
                 response_headers TEXT,
                 response_body {blob})"
            ),
            format!(
                "CREATE INDEX IF NOT EXISTS {prefix}calls_due ON {calls} (next_attempt_at) WHERE delivered_at IS NULL"
            ),
            format!("CREATE TABLE IF NOT EXISTS {dead} ({request}, dead_at BIGINT NOT NULL)"),
        ],
        _ => Vec::new(),
    }
}

/// Every statement of every version up to [`SCHEMA_VERSION`], for users who run their own
/// migration tool (then also record the version: `INSERT INTO <prefix>schema (version) VALUES (1)`).
pub(crate) fn all(tables: &Tables, backend: Backend) -> Vec<String> {
    let mut out = vec![schema_table(tables)];
    for v in 1..=SCHEMA_VERSION {
        out.extend(version(tables, backend, v));
    }
    out
}

pub(crate) fn schema_table(tables: &Tables) -> String {
    format!("CREATE TABLE IF NOT EXISTS {} (version BIGINT NOT NULL)", tables.schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_identifiers() {
        assert!(Tables::new("gusset_outbox_").is_ok());
        assert!(Tables::new("t1_").is_ok());
        for bad in ["", "1t", "a;drop table x", "A_", "a-b", &"x".repeat(41)] {
            assert!(matches!(Tables::new(bad), Err(OutboxError::Config(_))), "{bad}");
        }
    }

    #[test]
    fn statements_name_the_prefixed_tables() {
        let tables = Tables::new("p_").unwrap();
        let sql = all(&tables, Backend::Postgres).join(";\n");
        assert!(sql.contains("CREATE TABLE IF NOT EXISTS p_calls"));
        assert!(sql.contains("CREATE TABLE IF NOT EXISTS p_dead"));
        assert!(sql.contains("BYTEA") && !sql.contains("BLOB"));
        assert!(all(&tables, Backend::Sqlite).join(";").contains("BLOB"));
    }
}
