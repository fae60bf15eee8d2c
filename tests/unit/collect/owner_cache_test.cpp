// The monitor's owner cache on a scripted owner source: which passes read the process table
// (all of it, some processes, none) and that the owners it hands out are right.

#include "collect/linux/owner_cache.h"

#include <gtest/gtest.h>

#include <map>

namespace portwatch::collect {
namespace {

const core::TimePoint kT0 = core::TimePoint{} + std::chrono::hours(24 * 365 * 50);

// Processes with their socket inodes; what scan(), count_fds() and scan_pids() report.
class ScriptedOwners final : public OwnerSource {
  public:
    std::map<std::int32_t, std::vector<std::uint64_t>> tables;
    int full_scans = 0;
    std::vector<std::int32_t> last_partial;
    bool partial_supported = true;

    std::string_view name() const override { return "scripted"; }
    Result<OwnerScan> scan() override {
        ++full_scans;
        std::vector<std::int32_t> all;
        for (const auto& [pid, inodes] : tables) {
            all.push_back(pid);
        }
        return read(all);
    }
    Result<std::vector<FdCount>> count_fds() override {
        if (!partial_supported) {
            return OwnerSource::count_fds();
        }
        std::vector<FdCount> out;
        for (const auto& [pid, inodes] : tables) {
            out.push_back({pid, static_cast<std::uint32_t>(inodes.size())});
        }
        return out;
    }
    Result<OwnerScan> scan_pids(std::span<const std::int32_t> pids) override {
        last_partial.assign(pids.begin(), pids.end());
        return read(last_partial);
    }

  private:
    OwnerScan read(const std::vector<std::int32_t>& pids) const {
        OwnerScan scan;
        for (std::int32_t pid : pids) {
            auto it = tables.find(pid);
            if (it == tables.end()) {
                continue;
            }
            for (std::uint64_t inode : it->second) {
                scan.sockets.push_back({inode, pid});
            }
            scan.fd_counts.push_back({pid, static_cast<std::uint32_t>(it->second.size())});
        }
        return scan;
    }
};

std::vector<core::Socket> sockets(std::initializer_list<std::uint64_t> inodes) {
    std::vector<core::Socket> out;
    for (std::uint64_t inode : inodes) {
        core::Socket s;
        s.inode = inode;
        out.push_back(s);
    }
    out.push_back(core::Socket{});  // a TIME_WAIT: inode 0, never looked for
    return out;
}

std::vector<std::int32_t> owners_of(const OwnerPass& pass, std::vector<core::Socket> s,
                                    std::size_t i) {
    attach_owners(s, **pass.scan);
    return s[i].owners.to_vector();
}

TEST(OwnerCache, ReadsTheProcessTableOnlyForSocketsNotSeenBefore) {
    auto source = std::make_unique<ScriptedOwners>();
    ScriptedOwners& owners = *source;
    owners.tables = {{10, {100, 101}}, {20, {200}}, {30, {}}};
    OwnerCache cache(std::move(source));
    auto t = [](int s) { return kT0 + std::chrono::seconds(s); };

    const OwnerPass* pass = &cache.pass(sockets({100, 101, 200}), t(0));
    EXPECT_EQ(cache.last(), OwnerCache::Last::Full);
    EXPECT_EQ(owners.full_scans, 1);
    EXPECT_EQ(pass->name, "scripted");
    EXPECT_EQ(owners_of(*pass, sockets({100, 101, 200}), 2), (std::vector<std::int32_t>{20}));

    // The same sockets, and some gone: nothing read.
    pass = &cache.pass(sockets({100, 200}), t(1));
    EXPECT_EQ(cache.last(), OwnerCache::Last::Reused);
    EXPECT_EQ(owners.full_scans, 1);
    EXPECT_TRUE(owners.last_partial.empty());
    // The kept pairs lost 101's: the rest are still found (their index was made again).
    EXPECT_EQ(owners_of(*pass, sockets({100, 200}), 0), (std::vector<std::int32_t>{10}));
    EXPECT_EQ(owners_of(*pass, sockets({100, 200}), 1), (std::vector<std::int32_t>{20}));

    // Process 30 made a socket, 20 closed its own and exited, 40 started with one: only the
    // processes whose descriptor count changed are read.
    owners.tables = {{10, {100, 101}}, {30, {300}}, {40, {400}}};
    pass = &cache.pass(sockets({100, 300, 400}), t(2));
    EXPECT_EQ(cache.last(), OwnerCache::Last::Partial);
    EXPECT_EQ(owners.full_scans, 1);
    EXPECT_EQ(owners.last_partial, (std::vector<std::int32_t>{30, 40}));
    const auto now = sockets({100, 300, 400});
    EXPECT_EQ(owners_of(*pass, now, 0), (std::vector<std::int32_t>{10}));
    EXPECT_EQ(owners_of(*pass, now, 1), (std::vector<std::int32_t>{30}));
    EXPECT_EQ(owners_of(*pass, now, 2), (std::vector<std::int32_t>{40}));

    // 10 swapped a socket for another (same count): the changed processes do not have it,
    // so the whole table is read.
    owners.tables[10] = {100, 102};
    pass = &cache.pass(sockets({100, 102, 300, 400}), t(3));
    EXPECT_EQ(cache.last(), OwnerCache::Last::Full);
    EXPECT_EQ(owners.full_scans, 2);
    EXPECT_EQ(owners_of(*pass, sockets({102}), 0), (std::vector<std::int32_t>{10}));

    // A socket nobody holds (found by no full pass) is not looked for again every time.
    pass = &cache.pass(sockets({100, 102, 300, 400, 999}), t(4));
    EXPECT_EQ(owners.full_scans, 3);
    pass = &cache.pass(sockets({100, 102, 300, 400, 999}), t(5));
    EXPECT_EQ(cache.last(), OwnerCache::Last::Reused);
    EXPECT_EQ(owners.full_scans, 3);

    // And everything is read again every kFullEvery, new sockets or not.
    pass = &cache.pass(sockets({100, 102, 300, 400, 999}), t(4) + OwnerCache::kFullEvery);
    EXPECT_EQ(cache.last(), OwnerCache::Last::Full);
    EXPECT_EQ(owners.full_scans, 4);
}

TEST(OwnerCache, ASourceThatOnlyWalksEverythingIsWalkedForNewSockets) {
    auto source = std::make_unique<ScriptedOwners>();
    ScriptedOwners& owners = *source;
    owners.partial_supported = false;  // like the eBPF iterator
    owners.tables = {{10, {100}}};
    OwnerCache cache(std::move(source));
    cache.pass(sockets({100}), kT0);
    cache.pass(sockets({100}), kT0 + std::chrono::seconds(1));
    EXPECT_EQ(owners.full_scans, 1);
    owners.tables[10].push_back(101);
    const OwnerPass& pass = cache.pass(sockets({100, 101}), kT0 + std::chrono::seconds(2));
    EXPECT_EQ(owners.full_scans, 2);
    EXPECT_EQ(owners_of(pass, sockets({101}), 0), (std::vector<std::int32_t>{10}));
}

}  // namespace
}  // namespace portwatch::collect
