//! Kubernetes Services as kube-proxy (iptables mode) programs them, read back from the rules.
