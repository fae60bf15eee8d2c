#pragma once
// Loads the exporter's HTTP(S) server (app/exporter_server.h), built as its own module,
// portwatch-http.so, so that cpp-httplib and OpenSSL load for `portwatch exporter` only.
// Looked for beside the binary (a build tree), then in the installed library directory
// (/usr/lib/<arch>/portwatch from /usr/bin).

#include "app/exporter_server.h"
#include "core/result.h"

namespace portwatch::app {

// The module's ExporterServer::create; an error names every path tried and why it failed.
Result<ExporterServerFactory> load_exporter_server();

}  // namespace portwatch::app
