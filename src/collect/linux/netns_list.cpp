#include "collect/linux/netns_list.h"

#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "collect/linux/netns.h"
#include "sys/read_file.h"

namespace portwatch::collect {

namespace {

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};
using Dir = std::unique_ptr<DIR, DirCloser>;

std::vector<std::string> entries(const std::string& path) {
    std::vector<std::string> out;
    Dir dir(::opendir(path.c_str()));
    if (!dir)
        return out;
    while (auto* e = ::readdir(dir.get())) {
        std::string name = e->d_name;
        if (name != "." && name != "..")
            out.push_back(std::move(name));
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string comm_of(const std::string& proc_root, const std::string& pid) {
    auto text = sys::read_file(proc_root + "/" + pid + "/comm");
    if (!text)
        return {};
    while (!text->empty() && text->back() == '\n')
        text->pop_back();
    return *text;
}

}  // namespace

Result<std::vector<NetnsEntry>> list_network_namespaces(const std::string& proc_root,
                                                        const std::string& run_netns) {
    std::vector<NetnsEntry> out;
    auto seen = [&](std::uint64_t inode) {
        return std::any_of(out.begin(), out.end(),
                           [inode](const NetnsEntry& e) { return e.inode == inode; });
    };
    auto own = netns_inode(proc_root + "/thread-self/ns/net");
    if (!own) {
        return std::unexpected(own.error());
    }
    out.push_back({*own, "", "own"});  // empty spec: no setns needed
    if (auto init = netns_inode(proc_root + "/1/ns/net"); init && *init == *own) {
        out.front().label = "host";
    }
    for (const auto& name : entries(run_netns)) {
        std::string path = run_netns + "/" + name;
        if (auto inode = netns_inode(path); inode && !seen(*inode)) {
            out.push_back({*inode, path, name});
        }
    }
    for (const auto& pid : entries(proc_root)) {
        if (!all_digits(pid))
            continue;
        std::string path = proc_root + "/" + pid + "/ns/net";
        auto inode = netns_inode(path);
        if (!inode || seen(*inode))
            continue;
        out.push_back({*inode, path, "pid " + pid + " (" + comm_of(proc_root, pid) + ")"});
    }
    return out;
}

}  // namespace portwatch::collect
