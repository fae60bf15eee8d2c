// collect/live_source.h on Linux: scopes are network namespaces.
#include "collect/live_source.h"

#include <unistd.h>

#include "collect/linux/binding_cache.h"
#include "collect/linux/host_facts.h"
#include "collect/linux/netns_list.h"
#include "collect/linux/owner_cache.h"
#include "collect/linux/owner_source.h"

namespace portwatch::collect {

Result<core::HostFacts> read_live_host_facts(const LiveOptions& options, core::HostConfig& config,
                                             std::vector<core::Warning>& warnings) {
    return read_host_facts({options.platform.netns, options.platform.proc_root}, config, warnings);
}

Result<std::vector<Scope>> list_scopes(const LiveOptions& options) {
    auto namespaces = list_network_namespaces(options.platform.proc_root);
    if (!namespaces) {
        return std::unexpected(namespaces.error());
    }
    std::vector<Scope> scopes;
    scopes.reserve(namespaces->size());
    for (auto& ns : *namespaces) {
        scopes.push_back({std::move(ns.spec), std::move(ns.label)});
    }
    return scopes;
}

LiveOptions select_scope(LiveOptions options, const Scope& scope) {
    options.platform.netns = scope.spec;
    return options;
}

bool scope_vanished(const Scope& scope) {
    return !scope.spec.empty() && ::access(scope.spec.c_str(), F_OK) != 0;
}

void keep_owners_between_snapshots(LiveOptions& options) {
    if (!options.platform.bindings) {
        options.platform.bindings = std::make_shared<BindingCache>();
    }
    if (!options.owners || options.platform.owner_cache) {
        return;
    }
    options.platform.owner_cache = std::make_shared<OwnerCache>(
        owner_mode(true, options.platform.owner_method), options.platform.proc_root);
}

void share_owner_pass(LiveOptions& options) {
    if (!options.owners || options.platform.owner_pass) {
        return;
    }
    const OwnerMode mode = owner_mode(true, options.platform.owner_method);
    options.platform.owner_pass = std::make_shared<const OwnerPass>(
        options.platform.kept_owners
            ? options.platform.kept_owners->run(mode, options.platform.proc_root)
            : run_owner_pass(mode, options.platform.proc_root));
}

void keep_owner_source(LiveOptions& options) {
    if (options.owners && !options.platform.kept_owners) {
        options.platform.kept_owners = std::make_shared<KeptOwnerSource>();
    }
}

}  // namespace portwatch::collect
