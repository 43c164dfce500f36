#!/bin/sh
# What a person types today to see the firewall side of one netview snapshot: the rule sets
# with their counters, the docker-proxy processes and the published ports Docker reports.
# Run after bench/baseline.sh as the reference side of bench/firewall.sh.
iptables-save -c >/dev/null 2>&1
ip6tables-save -c >/dev/null 2>&1
nft -j list ruleset >/dev/null 2>&1
ps -eo pid,args | grep '[d]ocker-proxy' >/dev/null
ctrs=$(docker ps -q 2>/dev/null); [ -n "$ctrs" ] && docker port $ctrs >/dev/null 2>&1
sysctl net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables >/dev/null 2>&1
exit 0
