#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "app/live_args.h"
#include "collect/live_source.h"
#include "core/result.h"
#include "core/socket_query.h"
#include "render/snapshot_renderer.h"

namespace portwatch::app {

struct SnapshotOptions {
    collect::LiveOptions live;
    core::SocketFilter filter;
    core::SortKey sort = core::SortKey::None;
    render::Format format = render::Format::Table;
};

// Raw option text as CLI11 fills it; `finish` validates it into SnapshotOptions.
struct SnapshotArgs {
    bool tcp = false, udp = false, ipv4 = false, ipv6 = false, listening = false;
    bool json = false, csv = false;
    std::vector<std::string> states, processes;
    std::vector<std::int32_t> pids;
    std::vector<std::uint16_t> ports;
    std::string remote, sort = "none";
    LiveArgs live;
};

CLI::App* add_snapshot_command(CLI::App& app, SnapshotArgs& args);
Result<SnapshotOptions> finish_snapshot_args(const SnapshotArgs& args);
int run_snapshot(const SnapshotOptions& options, std::ostream& out, std::ostream& err);

}  // namespace portwatch::app
