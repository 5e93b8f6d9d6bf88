//! [`Outbox`]: the handle on the tables, on SQLite or PostgreSQL, and the statements of the
//! call's life (enqueue, claim, renew, record); reading back and dead letters are in `dead`,
//! counts in `stats`. Each statement is written once and run on either driver by [`on_pool!`]; the
//! two databases differ only in the blob type and in how a claim locks (see [`Outbox::claim`]).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sqlx::Row as _;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::error::OutboxError;
use crate::record::{COLUMNS, CallId, RawCall, headers_to_json, now_ms, raw_call, to_ms};
use crate::schema::{self, Backend, SCHEMA_VERSION, Tables};

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool (or connection) `$pool` holds; `$p` is bound to it.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The durable outbox: two tables (pending calls, dead letters) in your SQLite or PostgreSQL
/// database. Cheap to clone (a pool and a few names).
///
/// ```no_run
/// # async fn demo() -> Result<(), gusset_outbox::OutboxError> {
/// let outbox = gusset_outbox::Outbox::open_sqlite("outbox.db").await?;
/// outbox.migrate().await?;
/// println!("{} calls waiting", outbox.stats().await?.depth);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Outbox {
    pub(crate) pool: Pool,
    pub(crate) tables: Arc<Tables>,
    keep_bodies: bool,
}

/// A connection an enqueue can run on: a SQLite or PostgreSQL connection, typically a
/// transaction's (`&mut *tx`), so the call is stored if and only if the transaction commits.
pub trait Connection: Send {
    /// The connection, by database.
    #[doc(hidden)]
    fn outbox_connection(&mut self) -> AnyConnection<'_>;
}

/// A borrowed connection of either database; see [`Connection`].
#[doc(hidden)]
#[derive(Debug)]
pub enum AnyConnection<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Connection for SqliteConnection {
    fn outbox_connection(&mut self) -> AnyConnection<'_> {
        AnyConnection::Sqlite(self)
    }
}

impl Connection for PgConnection {
    fn outbox_connection(&mut self) -> AnyConnection<'_> {
        AnyConnection::Postgres(self)
    }
}

/// Which idempotency key a replayed dead letter carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayKey {
    /// The call's own key: a server that already acted on it answers from its record and does
    /// not act again. The usual choice.
    Same,
    /// A new key: the server treats the replay as a new request (for a call the server refused
    /// and that has been fixed on its side, where the old key would replay the refusal).
    Fresh,
}

/// A call claimed by a worker.
#[derive(Debug)]
pub(crate) enum Claimed {
    /// A row that reads back. `in_doubt`: the worker that held it before stopped (or lost its
    /// lease) without recording what came of its attempt, which may have reached the server.
    Call { raw: Box<RawCall>, in_doubt: bool },
    /// A row whose columns do not (a value of the wrong type, written by hand or by something
    /// else): its id and what is wrong, so it is dead-lettered alone and the rows claimed with
    /// it are still delivered.
    Corrupt { id: String, message: String },
}

const DEFAULT_PREFIX: &str = "gusset_outbox_";

/// How a claim marks a call whose previous holder recorded no outcome (its lease ran out), in
/// the call's last error: `in doubt: worker `<id>` recorded no outcome of its attempt`.
const IN_DOUBT: &str = "in doubt: worker `";

impl Outbox {
    /// An outbox in a SQLite database you already have a pool for. Open the pool with WAL and a
    /// busy timeout, as [`open_sqlite`](Self::open_sqlite) does, so workers and writers do not
    /// fail on each other's locks.
    pub fn sqlite(pool: SqlitePool) -> Self {
        Self::with(Pool::Sqlite(pool))
    }

    /// An outbox in a PostgreSQL database you already have a pool for.
    pub fn postgres(pool: PgPool) -> Self {
        Self::with(Pool::Postgres(pool))
    }

    fn with(pool: Pool) -> Self {
        // The default prefix is valid by construction; `Tables::new` only rejects user input.
        let tables = Tables {
            prefix: DEFAULT_PREFIX.to_owned(),
            calls: format!("{DEFAULT_PREFIX}calls"),
            dead: format!("{DEFAULT_PREFIX}dead"),
            schema: format!("{DEFAULT_PREFIX}schema"),
        };
        Outbox { pool, tables: Arc::new(tables), keep_bodies: false }
    }

    /// Opens (creating it if missing) a SQLite file in WAL mode with a 10 s busy timeout.
    pub async fn open_sqlite(path: impl AsRef<Path>) -> Result<Self, OutboxError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(OutboxError::db("opening the SQLite file"))?;
        Ok(Self::sqlite(pool))
    }

    /// Connects by URL: `sqlite:<path>` (opened as [`open_sqlite`](Self::open_sqlite) does) or
    /// `postgres://...`.
    pub async fn connect(url: &str) -> Result<Self, OutboxError> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            return Self::open_sqlite(path).await;
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(OutboxError::db("connecting to PostgreSQL"))?;
            return Ok(Self::postgres(pool));
        }
        Err(OutboxError::Config("the database URL must start with `sqlite:` or `postgres://`".into()))
    }

    /// Names the tables `<prefix>calls`, `<prefix>dead` and `<prefix>schema` (default prefix
    /// `gusset_outbox_`), for several outboxes in one database.
    pub fn table_prefix(mut self, prefix: &str) -> Result<Self, OutboxError> {
        self.tables = Arc::new(Tables::new(prefix)?);
        Ok(self)
    }

    /// Keeps the response body of calls enqueued from now on when they are delivered (default:
    /// status and headers only).
    pub fn keep_response_bodies(mut self, keep: bool) -> Self {
        self.keep_bodies = keep;
        self
    }

    /// The SQLite pool, when the outbox is on SQLite (for your own transactions).
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, when the outbox is on PostgreSQL.
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Postgres(pool) => Some(pool),
            Pool::Sqlite(_) => None,
        }
    }

    /// The database the outbox is on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Creates or upgrades the tables to [`SCHEMA_VERSION`], in one transaction (on PostgreSQL
    /// under an advisory lock, so processes starting together migrate once). Tables written by
    /// a newer version are left alone: [`OutboxError::SchemaTooNew`].
    pub async fn migrate(&self) -> Result<(), OutboxError> {
        let tables = &*self.tables;
        let backend = self.backend();
        let failed = OutboxError::db("migrating the outbox tables");
        on_pool!(&self.pool, |pool| {
            let mut tx = pool.begin().await.map_err(OutboxError::db("migrating the outbox tables"))?;
            if backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(&tables.schema)
                    .execute(&mut *tx)
                    .await
                    .map_err(OutboxError::db("locking for the migration"))?;
            }
            sqlx::query(&schema::schema_table(tables))
                .execute(&mut *tx)
                .await
                .map_err(OutboxError::db("creating the schema table"))?;
            let current: Option<i64> = sqlx::query(&format!("SELECT MAX(version) AS v FROM {}", tables.schema))
                .fetch_one(&mut *tx)
                .await
                .and_then(|row| row.try_get("v"))
                .map_err(OutboxError::db("reading the schema version"))?;
            let current = current.unwrap_or(0);
            if current > SCHEMA_VERSION {
                return Err(OutboxError::SchemaTooNew { found: current, known: SCHEMA_VERSION });
            }
            for version in current + 1..=SCHEMA_VERSION {
                for statement in schema::version(tables, backend, version) {
                    sqlx::query(&statement)
                        .execute(&mut *tx)
                        .await
                        .map_err(OutboxError::db("creating the outbox tables"))?;
                }
                sqlx::query(&format!("INSERT INTO {} (version) VALUES ($1)", tables.schema))
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(OutboxError::db("recording the schema version"))?;
            }
            tx.commit().await.map_err(failed)
        })
    }

    /// The statements [`migrate`](Self::migrate) runs, for users who apply migrations with
    /// their own tool. Record the version afterwards:
    /// `INSERT INTO <prefix>schema (version) VALUES (1)`.
    pub fn schema_statements(&self) -> Vec<String> {
        schema::all(&self.tables, self.backend())
    }

    /// Checks that the tables exist at a version this crate can read.
    pub async fn check_schema(&self) -> Result<(), OutboxError> {
        let sql = format!("SELECT MAX(version) AS v FROM {}", self.tables.schema);
        let version: Result<Option<i64>, sqlx::Error> =
            on_pool!(&self.pool, |pool| sqlx::query(&sql).fetch_one(pool).await.and_then(|r| r.try_get("v")));
        match version {
            Ok(Some(v)) if v > SCHEMA_VERSION => Err(OutboxError::SchemaTooNew { found: v, known: SCHEMA_VERSION }),
            Ok(Some(v)) if v >= 1 => Ok(()),
            Ok(_) => Err(OutboxError::NotMigrated),
            // No schema table at all reads as "not migrated" rather than as a driver error.
            Err(sqlx::Error::Database(e))
                if e.message().contains("no such table") || e.code().as_deref() == Some("42P01") =>
            {
                Err(OutboxError::NotMigrated)
            }
            Err(e) => Err(OutboxError::Database { doing: "reading the schema version", source: e }),
        }
    }

    /// Stores `call` on its own (one `INSERT`, committed at once). Prefer
    /// [`enqueue_in`](Self::enqueue_in) when the call belongs with a write of your own.
    pub async fn enqueue<T, E>(&self, call: gusset::Call<'_, T, E>) -> Result<CallId, OutboxError> {
        let row = self.row_of(call)?;
        let sql = self.insert_sql();
        let result = on_pool!(&self.pool, |pool| bind_raw(sqlx::query(&sql), &row).execute(pool).await.map(drop));
        self.inserted(&row, result)
    }

    /// Stores `call` through `connection`, typically your transaction's (`&mut *tx`): the call
    /// will be delivered if and only if the transaction commits.
    ///
    /// ```no_run
    /// # async fn demo(pool: sqlx::SqlitePool, outbox: gusset_outbox::Outbox, call: gusset::Call<'_, (), ()>)
    /// # -> Result<(), Box<dyn std::error::Error>> {
    /// let mut tx = pool.begin().await?;
    /// sqlx::query("INSERT INTO orders (id) VALUES ('o-1')").execute(&mut *tx).await?;
    /// let id = outbox.enqueue_in(&mut *tx, call).await?;
    /// tx.commit().await?;
    /// # Ok(()) }
    /// ```
    pub async fn enqueue_in<T, E>(
        &self,
        connection: &mut impl Connection,
        call: gusset::Call<'_, T, E>,
    ) -> Result<CallId, OutboxError> {
        let row = self.row_of(call)?;
        self.insert_in(connection, row).await
    }

    pub(crate) async fn insert_in(
        &self,
        connection: &mut impl Connection,
        row: RawCall,
    ) -> Result<CallId, OutboxError> {
        let sql = self.insert_sql();
        let result = match (connection.outbox_connection(), self.backend()) {
            (AnyConnection::Sqlite(c), Backend::Sqlite) => bind_raw(sqlx::query(&sql), &row).execute(c).await.map(drop),
            (AnyConnection::Postgres(c), Backend::Postgres) => {
                bind_raw(sqlx::query(&sql), &row).execute(c).await.map(drop)
            }
            (AnyConnection::Sqlite(_), b) => {
                return Err(OutboxError::WrongDatabase { outbox: b.name(), connection: Backend::Sqlite.name() });
            }
            (AnyConnection::Postgres(_), b) => {
                return Err(OutboxError::WrongDatabase { outbox: b.name(), connection: Backend::Postgres.name() });
            }
        };
        self.inserted(&row, result)
    }

    pub(crate) fn row_of<T, E>(&self, call: gusset::Call<'_, T, E>) -> Result<RawCall, OutboxError> {
        let stored = call.into_stored().map_err(|e| OutboxError::Enqueue(e.to_string()))?;
        let now = now_ms();
        Ok(RawCall {
            id: CallId::new().0,
            security: serde_json::to_string(&stored.security).map_err(|e| OutboxError::Enqueue(e.to_string()))?,
            headers: headers_to_json(&stored.headers).map_err(OutboxError::Enqueue)?,
            operation_id: stored.operation_id,
            method: stored.method.as_str().to_owned(),
            path_template: stored.path_template,
            url: stored.url,
            body: stored.body.map(|b| b.to_vec()),
            idempotency_key: stored.idempotency_key,
            correlation_id: stored.correlation_id,
            keep_body: i64::from(self.keep_bodies),
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            last_error: None,
        })
    }

    fn insert_sql(&self) -> String {
        format!(
            "INSERT INTO {} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            self.tables.calls
        )
    }

    fn inserted(&self, row: &RawCall, result: Result<(), sqlx::Error>) -> Result<CallId, OutboxError> {
        result.map_err(OutboxError::db("storing the call"))?;
        tracing::debug!(target: "gusset_outbox", id = %row.id, operation = %row.operation_id, "enqueued");
        Ok(CallId(row.id.clone()))
    }

    /// Takes up to `limit` due calls for `owner` until `lease` from now, counting the attempt
    /// each is about to get. A call is due when its next attempt time has come and no live
    /// lease holds it; a crashed worker's calls are due again once their lease expires.
    ///
    /// On PostgreSQL the rows are chosen `FOR UPDATE SKIP LOCKED`, so workers claiming at once
    /// each get different calls without waiting; SQLite has one writer at a time, so the
    /// `UPDATE ... RETURNING` is atomic as it is.
    pub(crate) async fn claim(&self, owner: &str, limit: usize, lease: Duration) -> Result<Vec<Claimed>, OutboxError> {
        let now = now_ms();
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let calls = &self.tables.calls;
        let sql = format!(
            "UPDATE {calls} SET lease_owner = $1, lease_until = $2, attempts = attempts + 1,
                 last_error = CASE WHEN lease_owner IS NULL THEN last_error ELSE $5 || lease_owner || $6 END
             WHERE id IN (SELECT id FROM {calls}
                 WHERE delivered_at IS NULL AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
                 ORDER BY next_attempt_at LIMIT $4{lock})
             RETURNING {COLUMNS}"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<Claimed> = on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(&sql)
                .bind(owner)
                .bind(until)
                .bind(now)
                .bind(limit)
                .bind(IN_DOUBT)
                .bind("` recorded no outcome of its attempt")
                .fetch_all(pool)
                .await
                .map_err(OutboxError::db("claiming due calls"))?;
            let mut claimed = Vec::with_capacity(rows.len());
            for row in &rows {
                let decoded = (|| raw_call!(row))();
                match decoded {
                    Ok(raw) => {
                        let in_doubt = raw.last_error.as_deref().is_some_and(|e| e.starts_with(IN_DOUBT));
                        claimed.push(Claimed::Call { raw: Box::new(raw), in_doubt })
                    }
                    Err(e) => match row.try_get::<String, _>("id") {
                        Ok(id) => claimed.push(Claimed::Corrupt { id, message: e.to_string() }),
                        // Not even its id reads: it cannot be named to move it, so it waits
                        // out its lease like a crashed worker's call, without holding up others.
                        Err(_) => {
                            tracing::error!(target: "gusset_outbox", error = %e, "a claimed row has no readable id")
                        }
                    },
                }
            }
            claimed
        });
        Ok(rows)
    }

    /// Marks a claimed call delivered, if `owner` still holds it. Returns whether it did.
    pub(crate) async fn mark_delivered(
        &self,
        id: &str,
        owner: &str,
        status: u16,
        headers: &http::HeaderMap,
        body: Option<&[u8]>,
        note: Option<&str>,
    ) -> Result<bool, OutboxError> {
        let headers = headers_to_json(&sanitized(headers)).unwrap_or_else(|_| "[]".to_owned());
        let sql = format!(
            "UPDATE {} SET delivered_at = $1, status = $2, response_headers = $3, response_body = $4,
                 lease_owner = NULL, lease_until = NULL, last_error = $5
             WHERE id = $6 AND lease_owner = $7 AND delivered_at IS NULL",
            self.tables.calls
        );
        let body = body.map(<[u8]>::to_vec);
        let done = on_pool!(&self.pool, |pool| sqlx::query(&sql)
            .bind(now_ms())
            .bind(i64::from(status))
            .bind(&headers)
            .bind(&body)
            .bind(note)
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        Ok(done.map_err(OutboxError::db("marking a call delivered"))? == 1)
    }

    /// Extends the lease `owner` holds on a call in flight to `lease` from now. Returns whether
    /// `owner` still held it (not when it was delivered, rescheduled, buried, or taken by another
    /// worker after the lease ran out).
    pub(crate) async fn renew(&self, id: &str, owner: &str, lease: Duration) -> Result<bool, OutboxError> {
        let until = now_ms().saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let sql = format!(
            "UPDATE {} SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND delivered_at IS NULL",
            self.tables.calls
        );
        let done = on_pool!(&self.pool, |pool| sqlx::query(&sql)
            .bind(until)
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        Ok(done.map_err(OutboxError::db("renewing a lease"))? == 1)
    }

    /// Sets a claimed call's next attempt time and last error and releases its lease.
    pub(crate) async fn reschedule(
        &self,
        id: &str,
        owner: &str,
        at: SystemTime,
        error: &str,
    ) -> Result<bool, OutboxError> {
        let sql = format!(
            "UPDATE {} SET next_attempt_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL
             WHERE id = $3 AND lease_owner = $4 AND delivered_at IS NULL",
            self.tables.calls
        );
        let done = on_pool!(&self.pool, |pool| sqlx::query(&sql)
            .bind(to_ms(at))
            .bind(error)
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        Ok(done.map_err(OutboxError::db("rescheduling a call"))? == 1)
    }

    /// Moves a claimed call to the dead letters with `error`, in one transaction, if `owner`
    /// still holds it (`None`: whoever holds it, for the command line).
    pub(crate) async fn bury(&self, id: &str, owner: &str, error: &str) -> Result<bool, OutboxError> {
        let Tables { calls, dead, .. } = &*self.tables;
        let copy = format!(
            "INSERT INTO {dead} ({COLUMNS}, dead_at)
             SELECT id, operation_id, method, path_template, security, url, headers, body, idempotency_key,
                    correlation_id, keep_body, attempts, next_attempt_at, created_at, $1, $2
             FROM {calls} WHERE id = $3 AND lease_owner = $4 AND delivered_at IS NULL"
        );
        let delete = format!("DELETE FROM {calls} WHERE id = $1 AND lease_owner = $2 AND delivered_at IS NULL");
        let now = now_ms();
        on_pool!(&self.pool, |pool| {
            let failed = || OutboxError::db("moving a call to the dead letters");
            let mut tx = pool.begin().await.map_err(failed())?;
            let copied = sqlx::query(&copy)
                .bind(error)
                .bind(now)
                .bind(id)
                .bind(owner)
                .execute(&mut *tx)
                .await
                .map_err(failed())?
                .rows_affected();
            if copied != 1 {
                return Ok(false);
            }
            sqlx::query(&delete).bind(id).bind(owner).execute(&mut *tx).await.map_err(failed())?;
            tx.commit().await.map_err(failed())?;
            Ok(true)
        })
    }
}

/// Response headers as kept: without cookies the server set (they may be session secrets).
fn sanitized(headers: &http::HeaderMap) -> http::HeaderMap {
    let mut out = headers.clone();
    out.remove(http::header::SET_COOKIE);
    out
}

/// A row that was read but whose columns do not decode: a typed error naming it, so one bad row
/// can be inspected or purged by id without hiding the others behind a driver error.
pub(crate) fn corrupt_row(id: Option<String>, e: &sqlx::Error) -> OutboxError {
    OutboxError::CorruptRow { id: id.unwrap_or_else(|| "(unreadable id)".to_owned()), message: e.to_string() }
}

/// Binds [`COLUMNS`] in order.
pub(crate) fn bind_raw<'q, DB>(
    query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    row: &'q RawCall,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q [u8]>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query
        .bind(row.id.as_str())
        .bind(row.operation_id.as_str())
        .bind(row.method.as_str())
        .bind(row.path_template.as_str())
        .bind(row.security.as_str())
        .bind(row.url.as_str())
        .bind(row.headers.as_str())
        .bind(row.body.as_deref())
        .bind(row.idempotency_key.as_deref())
        .bind(row.correlation_id.as_str())
        .bind(row.keep_body)
        .bind(row.attempts)
        .bind(row.next_attempt_at)
        .bind(row.created_at)
        .bind(row.last_error.as_deref())
}

impl FromStr for ReplayKey {
    type Err = OutboxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "same" => Ok(ReplayKey::Same),
            "fresh" => Ok(ReplayKey::Fresh),
            other => Err(OutboxError::Config(format!("replay key `{other}` is neither `same` nor `fresh`"))),
        }
    }
}
