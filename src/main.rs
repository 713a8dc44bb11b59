use clap::Parser;
use pactwire::config::{Cli, Command, TokenCommand};
use pactwire::domain::page::Page;
use pactwire::service::tokens::{Token, TokenInput};
use pactwire::{app, store, telemetry};

/// glibc's malloc kept the memory of a burst of large publications (1.2 GB
/// after eight 9 MB pacts) for the life of the process; mimalloc gives
/// freed memory back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => app::serve(*args).await,
        Command::Migrate(args) => {
            telemetry::init("info", false, false);
            let (url, local) = app::database(&args).await?;
            let applied = store::migrate(&url).await;
            if let Some(local) = local {
                local.stop().await?;
            }
            println!("applied {} migration(s)", applied?);
            Ok(())
        }
        Command::Token(command) => {
            telemetry::init("info", false, false);
            token(command).await
        }
    }
}

/// `pactwire token ...`: results on stdout, so scripts can capture them;
/// everything else on stderr.
async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create(args) => {
            let input = TokenInput {
                name: Some(args.name),
                role: Some(args.role),
            };
            let created = app::with_broker(&args.database, async |broker| {
                Ok(broker.create_token(input).await?)
            })
            .await?;
            println!("{}", created.secret);
            eprintln!(
                "Created the {} token '{}' ({}). Its secret, on standard output, is shown \
                 only this once: store it now, and send it as \"Authorization: Bearer <secret>\".",
                created.token.role, created.token.name, created.token.uuid
            );
        }
        TokenCommand::List(args) => {
            let tokens = app::with_broker(&args.database, async |broker| {
                let mut tokens = Vec::new();
                let mut page = Some(Page::first_largest());
                while let Some(current) = page {
                    let listed = broker.list_tokens(args.include_revoked, current).await?;
                    tokens.extend(listed.items);
                    page = current.next(listed.total);
                }
                Ok(tokens)
            })
            .await?;
            println!("UUID\tNAME\tROLE\tCREATED\tLAST USED\tREVOKED");
            for t in &tokens {
                println!("{}", row(t));
            }
        }
        TokenCommand::Revoke(args) => {
            let token = app::with_broker(&args.database, async |broker| {
                Ok(broker.revoke_token(&args.uuid).await?)
            })
            .await?;
            println!(
                "Revoked the {} token '{}' ({}).",
                token.role, token.name, token.uuid
            );
        }
    }
    Ok(())
}

/// A token as a tab-separated line, `-` for times not set.
fn row(t: &Token) -> String {
    let time = |time: Option<chrono::DateTime<chrono::Utc>>| {
        time.map_or_else(
            || "-".to_owned(),
            |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    };
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        t.uuid,
        t.name,
        t.role,
        time(Some(t.created_at)),
        time(t.last_used_at),
        time(t.revoked_at)
    )
}
