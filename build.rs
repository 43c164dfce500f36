//! Live tests (real namespaces, a real Docker engine, root) are compiled as ignored unless
//! NETVIEW_LIVE_TESTS=1, so a run without them reports them as ignored, never as passed.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(live_tests)");
    println!("cargo::rerun-if-env-changed=NETVIEW_LIVE_TESTS");
    if std::env::var("NETVIEW_LIVE_TESTS").as_deref() == Ok("1") {
        println!("cargo::rustc-cfg=live_tests");
    }
}
