#pragma once
// How an address is stored (schema.sql: *_addr columns): an IPv4 address as an integer, any
// other as text. One place for both directions.

#include <string>

#include "core/endpoint.h"
#include "store/db.h"

namespace portwatch::store {

// Binds `endpoint`'s address at `index`.
void bind_address(Statement& statement, int index, const core::Endpoint& endpoint);

// The address in column `index` as text ("10.0.0.1", "2001:db8::1", a name).
std::string address_column(const Statement& statement, int index);

}  // namespace portwatch::store
