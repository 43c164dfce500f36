//! Prints one raw `Observation` (what the collectors read, before the join) as JSON: the input
//! `netview::model::build` turns into a topology. Used to record fixtures such as
//! tests/fixtures/engine28/observation.json.
//!
//!     cargo run --example observe > observation.json

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let opts = netview::collect::Options { scan_proc: false, ..Default::default() };
    let obs = runtime.block_on(netview::collect::collect(&opts));
    println!("{}", serde_json::to_string_pretty(&obs).expect("an observation serializes"));
}
