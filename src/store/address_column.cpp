#include "store/address_column.h"

namespace portwatch::store {

void bind_address(Statement& statement, int index, const core::Endpoint& e) {
    if (e.address.is_v4() && e.name.empty() && e.zone.empty() && !e.cut) {
        const auto& b = e.address.bytes();
        statement.bind(
            index, static_cast<std::int64_t>(std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 |
                                             std::uint32_t{b[2]} << 8 | b[3]));
        return;
    }
    statement.bind(index, e.address_text());
}

std::string address_column(const Statement& statement, int index) {
    if (statement.column_is_integer(index)) {
        return core::IpAddress::v4(static_cast<std::uint32_t>(statement.column_int(index)))
            .to_string();
    }
    return statement.column_text(index);
}

}  // namespace portwatch::store
