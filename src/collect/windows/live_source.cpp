// collect/live_source.h on Windows: one scope, the host.
#include "collect/live_source.h"

namespace portwatch::collect {

Result<std::vector<Scope>> list_scopes(const LiveOptions&) {
    return std::vector<Scope>{Scope{"", "host"}};
}

LiveOptions select_scope(LiveOptions options, const Scope&) {
    return options;
}

bool scope_vanished(const Scope&) {
    return false;
}

void share_owner_pass(LiveOptions&) {
    // Owners come with each table row: there is no separate pass to share.
}

void keep_owner_source(LiveOptions&) {
    // Nor a source to keep.
}

}  // namespace portwatch::collect
