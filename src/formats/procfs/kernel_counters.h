#pragma once
// Pure parsers of the sysctl and counter files the diagnosis reads: /proc/sys/net/ipv4/*,
// /proc/net/sockstat(6), /proc/net/netstat, /proc/sys/fs/file-nr. Tolerant of fields added
// or removed by other kernel versions; strict about the numbers they do read.

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/host_config.h"
#include "core/result.h"

namespace portwatch::formats {

// One unsigned integer, surrounding whitespace allowed ("262144\n").
Result<std::uint64_t> parse_sysctl_number(std::string_view text);

// ip_local_port_range: "32768\t60999\n".
Result<core::PortRange> parse_sysctl_port_range(std::string_view text);

// ip_local_reserved_ports: "" or "8080,9000-9010\n".
Result<std::vector<core::PortRange>> parse_reserved_ports(std::string_view text);

// tcp_mem: three page counts.
Result<std::array<std::uint64_t, 3>> parse_number_triple(std::string_view text);

// file-nr: "allocated  free  max"; returns allocated.
Result<std::uint64_t> parse_file_nr(std::string_view text);

// Fills the sockstat fields of `facts` from /proc/net/sockstat or sockstat6 text.
void apply_sockstat(std::string_view text, core::HostFacts& facts);

// Fills the TcpExt counters of `facts` from /proc/net/netstat text (header and value lines
// in pairs).
Result<void> apply_netstat(std::string_view text, core::HostFacts& facts);

}  // namespace portwatch::formats
