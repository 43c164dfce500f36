#!/bin/sh
# Copied unchanged, but for this line, from the reference pipeline given with the project's issue.
# The commands a person types today to see what one netview snapshot shows:
# Docker networks and containers, host links with counters, addresses, bridge ports,
# and the links and addresses inside every container and named namespace.
# Used as the reference side of a snapshot benchmark: netview --snapshot vs this script.
nets=$(docker network ls -q 2>/dev/null); [ -n "$nets" ] && docker network inspect $nets >/dev/null
ctrs=$(docker ps -q 2>/dev/null); [ -n "$ctrs" ] && docker inspect $ctrs >/dev/null
ip -j -s -d link show >/dev/null
ip -j addr show >/dev/null
bridge -j link show >/dev/null
for ns in /run/docker/netns/* /run/netns/*; do
  [ -e "$ns" ] || continue
  nsenter --net="$ns" ip -j -s -d link show >/dev/null
  nsenter --net="$ns" ip -j addr show >/dev/null
done
