//! `gusset-outbox`: the outbox's tables from the command line (migrate, stats, dead letters).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gusset_outbox::{CallId, CallState, Outbox, OutboxError, ReplayKey, Summary};

/// Inspect and repair a gusset-outbox database.
#[derive(Debug, Parser)]
#[command(name = "gusset-outbox", version)]
struct Cli {
    /// `sqlite:<path>` or `postgres://...`.
    #[arg(long, short = 'd')]
    database: String,
    /// The outbox's table prefix.
    #[arg(long, default_value = "gusset_outbox_")]
    prefix: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create or upgrade the tables.
    Migrate,
    /// Print the SQL `migrate` runs, for your own migration tool.
    Schema,
    /// Depth, oldest due age, delivered/retried/dead counts per operation.
    Stats,
    /// One call, pending, delivered or dead.
    Show {
        /// The call's id.
        id: String,
    },
    /// Dead letters.
    #[command(subcommand)]
    Dead(Dead),
}

#[derive(Debug, Subcommand)]
enum Dead {
    /// List dead letters, oldest first.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Show one dead letter.
    Show {
        /// Its id.
        id: String,
    },
    /// Move a dead letter back to the pending calls, due now.
    Replay {
        /// Its id.
        id: String,
        /// Send it with a new idempotency key instead of its own.
        #[arg(long)]
        fresh_key: bool,
    },
    /// Delete dead letters for good.
    Purge {
        /// The one to delete.
        id: Option<String>,
        /// Delete every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn line(s: &Summary) -> String {
    let error = s.last_error.as_deref().unwrap_or("-");
    format!("{}  {}  {} {}  attempts={}  error={error}", s.id, s.operation_id, s.method, s.url, s.attempts)
}

async fn run(cli: Cli) -> Result<(), OutboxError> {
    let outbox = Outbox::connect(&cli.database).await?.table_prefix(&cli.prefix)?;
    match cli.command {
        Command::Migrate => {
            outbox.migrate().await?;
            println!("migrated to schema version {}", gusset_outbox::SCHEMA_VERSION);
        }
        Command::Schema => {
            for statement in outbox.schema_statements() {
                println!("{statement};");
            }
        }
        Command::Stats => {
            let stats = outbox.stats().await?;
            let age = |a: Option<std::time::Duration>| a.map_or("-".to_owned(), |a| format!("{}ms", a.as_millis()));
            println!(
                "depth={} due={} oldest_due={} delivered={} retried={} dead={}",
                stats.depth,
                stats.due,
                age(stats.oldest_due_age),
                stats.delivered,
                stats.retried,
                stats.dead
            );
            for (op, s) in &stats.operations {
                println!(
                    "  {op}: depth={} due={} oldest_due={} delivered={} retried={} dead={}",
                    s.depth,
                    s.due,
                    age(s.oldest_due_age),
                    s.delivered,
                    s.retried,
                    s.dead
                );
            }
        }
        Command::Show { id } => {
            let record = outbox.call(&CallId::from(id)).await?;
            println!("{}", line(&record.summary));
            match record.state {
                CallState::Pending { .. } => println!("state: pending"),
                CallState::Delivered { status, .. } => println!("state: delivered, status {status}"),
                CallState::Dead { .. } => println!("state: dead"),
                _ => println!("state: other"),
            }
        }
        Command::Dead(Dead::List { limit }) => {
            let letters = outbox.dead_letters(limit).await?;
            for letter in &letters {
                println!("{}", line(&letter.summary));
            }
            println!("{} dead letter(s)", letters.len());
        }
        Command::Dead(Dead::Show { id }) => {
            let letter = outbox.dead_letter(&CallId::from(id)).await?;
            println!("{:#?}", letter);
        }
        Command::Dead(Dead::Replay { id, fresh_key }) => {
            let key = if fresh_key { ReplayKey::Fresh } else { ReplayKey::Same };
            outbox.replay(&CallId::from(id.as_str()), key).await?;
            println!("replayed {id}");
        }
        Command::Dead(Dead::Purge { id, all }) => match (id, all) {
            (Some(id), _) => {
                outbox.purge(&CallId::from(id.as_str())).await?;
                println!("purged {id}");
            }
            (None, true) => println!("purged {} dead letter(s)", outbox.purge_dead_letters().await?),
            (None, false) => return Err(OutboxError::Config("name a dead letter or pass `--all`".into())),
        },
    }
    Ok(())
}
