#pragma once
// `portwatch history` answers as a table (columns, one section per question), CSV (one
// question: a header row and its rows) or one JSON document. Every name from the database is
// untrusted text: terminal_safe in the table and CSV, escaped by JsonWriter in JSON.

#include <ostream>
#include <string>

#include "render/snapshot_renderer.h"
#include "store/history_query.h"

namespace portwatch::render {

void render_history_table(std::ostream& out, const store::HistoryAnswer& answer);
// Needs exactly one question in answer.asked (the caller checks; more is a bug).
void render_history_csv(std::ostream& out, const store::HistoryAnswer& answer);
void render_history_json(std::ostream& out, const store::HistoryAnswer& answer);

// "2026-12-02T10:00:00Z": UTC to the second, as every history output prints times.
std::string history_time(core::TimePoint t);
// "10.0.0.2:443", "[2001:db8::1]:443"; "*" for an unspecified address.
std::string history_endpoint(std::string_view address, std::uint16_t port);

}  // namespace portwatch::render
