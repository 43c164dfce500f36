//! `--snapshot --json`: the topology as JSON (`"schema": 1`).

use crate::model::Topology;
use std::io::Write;

pub fn write(topology: &Topology, out: &mut impl Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, topology)?;
    out.write_all(b"\n")
}
