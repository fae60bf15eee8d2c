#pragma once
// An IPv4 or IPv6 address with an optional IPv6 zone (scope id).

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portwatch::core {

enum class Family : std::uint8_t { Ipv4, Ipv6 };

class IpAddress {
  public:
    IpAddress() = default;  // 0.0.0.0

    static IpAddress v4(std::uint32_t host_order);
    static IpAddress v4_bytes(const std::uint8_t bytes[4]);
    static IpAddress v6_bytes(const std::uint8_t bytes[16], std::uint32_t scope_id = 0);
    static IpAddress any(Family family);

    // Accepts dotted quads, IPv6 text forms (with an optional "%zone" suffix whose zone is a
    // number, e.g. "fe80::1%14"), and nothing else.
    static std::optional<IpAddress> parse(std::string_view text);

    Family family() const { return family_; }
    bool is_v4() const { return family_ == Family::Ipv4; }
    const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }  // v4 in [0..3]
    std::uint32_t scope_id() const { return scope_id_; }

    bool is_unspecified() const;
    bool is_loopback() const;
    bool is_v4_mapped() const;
    // ::ffff:a.b.c.d becomes a.b.c.d; anything else is returned unchanged. The kernel hands a
    // v6 socket talking to a v4-mapped peer to the IPv4 tables, so pool keys use this form.
    IpAddress normalized() const;

    std::string to_string() const;
    void append_to(std::string& out) const;  // to_string(), appended: no allocation of its own

    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
    friend bool operator==(const IpAddress&, const IpAddress&) = default;

  private:
    Family family_ = Family::Ipv4;
    std::array<std::uint8_t, 16> bytes_{};
    std::uint32_t scope_id_ = 0;
};

}  // namespace portwatch::core
