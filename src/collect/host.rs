//! Host facts: name, kernel and OS (sysinfo), and who we run as.

use crate::model::HostFacts;
use sysinfo::System;

pub fn facts() -> HostFacts {
    HostFacts {
        hostname: System::host_name().ok(),
        kernel: System::kernel_version().ok(),
        os: System::long_os_version().ok(),
        uid: nix::unistd::Uid::effective().as_raw(),
    }
}
