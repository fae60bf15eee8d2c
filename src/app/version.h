#pragma once
// The version --version prints and the monitor records with each run.

namespace portwatch::app {

inline constexpr const char* kVersion = "portwatch 0.1.0";

}  // namespace portwatch::app
