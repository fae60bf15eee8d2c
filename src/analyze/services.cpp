#include "analyze/services.h"

#include <algorithm>
#include <array>

namespace portwatch::analyze {

namespace {

enum Proto : std::uint8_t { kTcp = 1, kUdp = 2, kBoth = 3 };

struct Service {
    std::uint16_t port;
    std::uint8_t protocols;
    std::string_view name;
};

// Sorted by port. Names as an admin would say them; the ones Windows exhaustion is known by
// (SMB, Kerberos, LDAP, DNS, RPC) first of all.
constexpr std::array kServices = std::to_array<Service>({
    {20, kTcp, "FTP data"},
    {21, kTcp, "FTP"},
    {22, kTcp, "SSH"},
    {23, kTcp, "Telnet"},
    {25, kTcp, "SMTP"},
    {53, kBoth, "DNS"},
    {67, kUdp, "DHCP"},
    {80, kTcp, "HTTP"},
    {88, kBoth, "Kerberos"},
    {110, kTcp, "POP3"},
    {111, kBoth, "RPC portmapper"},
    {123, kUdp, "NTP"},
    {135, kTcp, "RPC"},
    {137, kUdp, "NetBIOS name"},
    {139, kTcp, "NetBIOS/SMB"},
    {143, kTcp, "IMAP"},
    {161, kUdp, "SNMP"},
    {389, kBoth, "LDAP"},
    {443, kTcp, "HTTPS"},
    {443, kUdp, "QUIC/HTTP3"},
    {445, kTcp, "SMB"},
    {464, kBoth, "Kerberos password"},
    {465, kTcp, "SMTPS"},
    {514, kUdp, "syslog"},
    {587, kTcp, "SMTP submission"},
    {636, kTcp, "LDAPS"},
    {993, kTcp, "IMAPS"},
    {995, kTcp, "POP3S"},
    {1433, kTcp, "SQL Server"},
    {1521, kTcp, "Oracle"},
    {2049, kBoth, "NFS"},
    {2379, kTcp, "etcd"},
    {3268, kTcp, "LDAP Global Catalog"},
    {3269, kTcp, "LDAPS Global Catalog"},
    {3306, kTcp, "MySQL"},
    {3389, kTcp, "RDP"},
    {5432, kTcp, "PostgreSQL"},
    {5671, kTcp, "AMQPS"},
    {5672, kTcp, "AMQP"},
    {5985, kTcp, "WinRM"},
    {5986, kTcp, "WinRM HTTPS"},
    {6379, kTcp, "Redis"},
    {6443, kTcp, "Kubernetes API"},
    {8080, kTcp, "HTTP"},
    {8443, kTcp, "HTTPS"},
    {9092, kTcp, "Kafka"},
    {9200, kTcp, "Elasticsearch"},
    {11211, kTcp, "memcached"},
    {27017, kTcp, "MongoDB"},
});

static_assert(std::is_sorted(kServices.begin(), kServices.end(),
                             [](const Service& a, const Service& b) { return a.port < b.port; }));

}  // namespace

std::string_view well_known_service(std::uint16_t port, core::Protocol protocol) {
    std::uint8_t want = protocol == core::Protocol::Udp ? kUdp : kTcp;
    auto [lo, hi] =
        std::equal_range(kServices.begin(), kServices.end(), Service{port, 0, {}},
                         [](const Service& a, const Service& b) { return a.port < b.port; });
    for (auto it = lo; it != hi; ++it) {
        if (it->protocols & want) {
            return it->name;
        }
    }
    return {};
}

}  // namespace portwatch::analyze
