#include "capture/netsh_dynamicport.h"

#include "capture/tokens.h"

namespace portwatch::capture {

namespace {

std::optional<core::Protocol> title_protocol(std::string_view line) {
    if (line.empty() || is_space(line.front()) || line.find(':') != std::string_view::npos ||
        line.size() > 120) {
        return std::nullopt;
    }
    auto f = split_fields<12>(line);
    if (f.size < 2 || f.total > 12) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < f.size; ++i) {
        if (f.at[i] == "tcp") {
            return core::Protocol::Tcp;
        }
        if (f.at[i] == "udp") {
            return core::Protocol::Udp;
        }
    }
    return std::nullopt;
}

// "Start Port      : 49152" -> 49152
std::optional<std::uint32_t> value_line(std::string_view line) {
    auto colon = line.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::nullopt;
    }
    std::string_view label = trim(line.substr(0, colon));
    if (label.empty()) {
        return std::nullopt;
    }
    for (char c : label) {
        if (c >= '0' && c <= '9') {
            return std::nullopt;
        }
    }
    std::uint32_t value = 0;
    if (!parse_decimal(trim(line.substr(colon + 1)), value)) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

bool NetshDynamicPortReader::feed(std::string_view line) {
    if (auto proto = title_protocol(line)) {
        pending_ = proto;
        start_.reset();
        return true;
    }
    if (!pending_) {
        return false;
    }
    std::string_view t = trim(line);
    if (t.empty()) {
        return false;  // blank lines around the block belong to nobody
    }
    if (t.find_first_not_of('-') == std::string_view::npos) {
        return true;
    }
    auto value = value_line(line);
    if (!value) {
        pending_.reset();
        start_.reset();
        return false;
    }
    if (!start_) {
        start_ = *value;
        return true;
    }
    std::uint32_t start = *start_;
    std::uint32_t count = *value;
    Block block{*pending_, make_error("")};
    if (start == 0 || count == 0 || start + count - 1 > 65535) {
        block.range = make_error("netsh dynamic port range start " + std::to_string(start) + ", " +
                                 std::to_string(count) +
                                 " ports: expected a start of 1..65535 and a count that ends "
                                 "at or below 65535");
    } else {
        block.range = core::PortRange{static_cast<std::uint16_t>(start),
                                      static_cast<std::uint16_t>(start + count - 1)};
    }
    done_ = std::move(block);
    pending_.reset();
    start_.reset();
    return true;
}

std::optional<NetshDynamicPortReader::Block> NetshDynamicPortReader::take_block() {
    auto out = std::move(done_);
    done_.reset();
    return out;
}

}  // namespace portwatch::capture
