//! `cargo bench`: the timing table. A placeholder until the benchmarks of
//! every variant land: it prints the scenarios' ideal times, which come
//! from the server's plan, and says that nothing was measured yet.

fn main() {
    println!("Timing table: PLACEHOLDER, no variant is benchmarked yet.");
    println!("The ideal column is the best time the injected latency allows.\n");
    print!("{}", benches::placeholder_table(&[benches::pop20()]));
}
