#pragma once
// Labs: real port exhaustion, provoked on purpose inside a network namespace the lab creates
// (unshare, loopback only, a narrowed range) and that disappears with the lab's processes.
// A lab's own connect()/bind() really fails before anyone diagnoses it.
//
// Processes: the caller forks a holder, which enters a new network namespace, narrows its
// range (and for `reserved` reserves most of it) and forks a server ("pwlab-server"/
// "pwlab-dns"; none for dead-backend, whose destination is a route that drops every packet),
// for the patterns where another process takes the ports a "taker" ("pwlab-listener",
// "pwlab-proxy"), and a client named after the pattern ("pwlab-churn", ...). The client runs
// the pattern until the kernel refuses it, then every process holds its sockets until the Lab
// object is destroyed. Children die with their
// parent (PR_SET_PDEATHSIG), so an interrupted lab leaves nothing behind.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/endpoint.h"
#include "core/result.h"
#include "sys/unique_fd.h"

namespace portwatch::lab {

enum class Pattern : std::uint8_t {
    Churn,
    CloseWait,
    Hoard,
    BindBeforeConnect,
    UdpLeak,
    DeadBackend,
    ListenersInRange,  // a taker listens on most of the range; a client's connect() fails
    ProxyBind,         // a taker binds before connecting to one upstream; a client's fails
    Reserved,          // most of the range reserved; a client's few connections fill the rest
    Healthy,
};

struct PatternInfo {
    Pattern pattern;
    std::string_view name;         // as `portwatch lab NAME` takes it
    std::string_view client_name;  // the process whose call the kernel refuses
    std::string_view taker_name;   // the process that takes the ports first, or empty
    std::string_view description;
};

std::span<const PatternInfo> patterns();
std::optional<Pattern> parse_pattern(std::string_view name);
const PatternInfo& info(Pattern pattern);

struct LabOptions {
    Pattern pattern = Pattern::Churn;
    // 0: the pattern's default (200 ports; 5000 for Healthy), starting at 40000.
    std::uint32_t range_size = 0;
};

struct LabOutcome {
    Pattern pattern = Pattern::Churn;
    pid_t holder_pid = 0;
    pid_t client_pid = 0;
    pid_t server_pid = 0;  // 0: the pattern has no server (dead-backend)
    pid_t taker_pid = 0;   // 0 when the pattern has no taker
    std::string client_name;
    std::string server_name;
    std::string taker_name;
    // Whom the diagnosis must name as the cause: the taker, else the client; 0 and empty
    // for `reserved` (the cause is the reserved ports).
    pid_t culprit_pid = 0;
    std::string culprit_name;
    std::uint32_t taken = 0;        // ports the taker holds (Reserved: ports reserved)
    std::uint32_t taken_bound = 0;  // ListenersInRange: of `taken`, bound to a chosen port
    std::uint16_t range_low = 0, range_high = 0;
    core::Endpoint destination;  // the (first) destination the client used
    std::uint32_t destinations = 0;
    std::uint32_t succeeded = 0;  // calls that worked before the failure
    std::string failed_call;      // "connect()", "bind()"; empty when nothing failed
    int error = 0;                // its errno; 0 when nothing failed
    std::string netns;            // for LiveOptions::platform.netns: /proc/<holder>/ns/net
    std::string story;            // what the lab did, in plain words
};

// Owns a running lab; destroying it stops the processes and so removes the namespace.
class Lab {
  public:
    // Needs CAP_SYS_ADMIN (unshare) — in practice root. Bounded: fails after ~30 s.
    static Result<Lab> start(const LabOptions& options);
    // The same, calling `before_client` in the caller's process once the namespace, its
    // server and taker are up and before the client runs, with the namespace (as
    // LabOutcome::netns): a watcher that must see the client's calls (the monitor's eBPF
    // source) starts there. The client waits for it (at most the lab's start timeout, ~30 s).
    static Result<Lab> start(const LabOptions& options,
                             const std::function<void(const std::string& netns)>& before_client);
    Lab(Lab&& other) noexcept;
    Lab& operator=(Lab&&) = delete;
    Lab(const Lab&) = delete;
    ~Lab();

    const LabOutcome& outcome() const { return outcome_; }

  private:
    Lab() = default;
    LabOutcome outcome_;
    pid_t holder_ = -1;
    sys::UniqueFd control_;  // write end; closing it tells the holder to stop
};

}  // namespace portwatch::lab
