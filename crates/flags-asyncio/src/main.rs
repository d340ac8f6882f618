//! `cargo run -p flags-asyncio [-- --max-concurrency N]`: the book's
//! `flags_asyncio.py`. See the library docs.

use std::process::ExitCode;

use clap::Parser;
use flags_asyncio::MAX_CONCURRENCY;

#[derive(Parser)]
#[command(version, about = "Download flags as async tasks on one thread")]
struct Cli {
    #[command(flatten)]
    common: flags_seq::Args,
    /// At most this many requests in flight, 1 to 1000 (default: all at once).
    #[arg(long, short = 'm', value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_CONCURRENCY)))]
    max_concurrency: Option<u16>,
}

fn main() -> ExitCode {
    let args = Cli::parse();
    let limit = args.max_concurrency.map(usize::from);
    flags_seq::run(args.common, |config, cc_list| {
        flags_asyncio::download_many(config, cc_list, limit)
    })
}
