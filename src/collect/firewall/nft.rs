//! Native nftables rules from `nft -j list ruleset`, parsed into the shared rule model.
