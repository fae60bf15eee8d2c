#pragma once
// Reads one network namespace's port-allocation settings and neighbouring limits.

#include <string>

#include "core/host_config.h"
#include "core/result.h"
#include "core/snapshot.h"

namespace portwatch::collect {

struct HostFactsOptions {
    std::string netns;  // as LiveOptions::netns; empty: the caller's own
    std::string proc_root = "/proc";
};

// Fills the model inputs of `config` (range, reserved ports, tcp_tw_reuse, tcp_timestamps)
// and returns the limits and counters. A file that cannot be read leaves its field unset and
// adds a warning; only failing to enter the namespace is an error.
Result<core::HostFacts> read_host_facts(const HostFactsOptions& options, core::HostConfig& config,
                                        std::vector<core::Warning>& warnings);

}  // namespace portwatch::collect
