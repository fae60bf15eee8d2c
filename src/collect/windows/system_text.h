#pragma once
// Text between Windows and the model: UTF-16 to UTF-8, error codes to messages, and the output
// of a system command (netsh) run without a shell.

#include <windows.h>

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace portwatch::collect::windows {

std::string utf8(std::wstring_view text);
std::wstring wide(std::string_view text);

// "Access is denied. (error 5)", from FormatMessageW.
std::string error_text(DWORD code);
// A failed Windows call: "what: <text>", its kind and code kept.
Error windows_error(DWORD code, std::string_view what);

// Runs `command_line` (an executable in System32 and its arguments; no shell), waits at most
// `timeout` and returns what it wrote to standard output, decoded from the console's OEM code
// page. An error when it cannot start, does not end in time (it is then terminated), or exits
// with a nonzero status (its output is in the message).
Result<std::string> run_system_command(const std::wstring& command_line,
                                       std::chrono::milliseconds timeout);

}  // namespace portwatch::collect::windows
