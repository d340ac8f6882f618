//! `cargo run -p flags-asyncio [-- --max-concurrency N]`: the book's
//! `flags_asyncio.py`. See the library docs.

use std::num::NonZeroUsize;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(version, about = "Download flags as async tasks on one thread")]
struct Cli {
    #[command(flatten)]
    common: flags_seq::Args,
    /// At most this many requests in flight (default: all at once).
    #[arg(long, short = 'm', value_name = "N")]
    max_concurrency: Option<NonZeroUsize>,
}

fn main() -> ExitCode {
    let args = Cli::parse();
    let limit = args.max_concurrency.map(NonZeroUsize::get);
    flags_seq::run(args.common, |config, cc_list| {
        flags_asyncio::download_many(config, cc_list, limit)
    })
}
