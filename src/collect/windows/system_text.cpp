#include "collect/windows/system_text.h"

#include <thread>
#include <vector>

#include "collect/windows/win_handle.h"

namespace portwatch::collect::windows {

std::string utf8(std::wstring_view text) {
    if (text.empty()) {
        return {};
    }
    int n = ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr,
                                  0, nullptr, nullptr);
    std::string out(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
    if (n > 0) {
        ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n,
                              nullptr, nullptr);
    }
    return out;
}

namespace {

std::wstring to_wide(std::string_view text, UINT code_page) {
    if (text.empty()) {
        return {};
    }
    int n =
        ::MultiByteToWideChar(code_page, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
    std::wstring out(static_cast<std::size_t>(n > 0 ? n : 0), L'\0');
    if (n > 0) {
        ::MultiByteToWideChar(code_page, 0, text.data(), static_cast<int>(text.size()), out.data(),
                              n);
    }
    return out;
}

ErrorKind kind_of(DWORD code) {
    switch (code) {
        case ERROR_ACCESS_DENIED:
        case ERROR_PRIVILEGE_NOT_HELD:
        case 740:  // ERROR_ELEVATION_REQUIRED
            return ErrorKind::PermissionDenied;
        case ERROR_FILE_NOT_FOUND:
        case ERROR_PATH_NOT_FOUND:
        case ERROR_NOT_FOUND:
        case ERROR_INVALID_PARAMETER:  // OpenProcess on a pid that exited
            return ErrorKind::NotFound;
        case ERROR_NOT_SUPPORTED:
        case ERROR_CALL_NOT_IMPLEMENTED:
            return ErrorKind::Unsupported;
        case ERROR_NOT_ENOUGH_MEMORY:
        case ERROR_OUTOFMEMORY:
            return ErrorKind::Exhausted;
        default:
            return ErrorKind::Io;
    }
}

}  // namespace

std::wstring wide(std::string_view text) {
    return to_wide(text, CP_UTF8);
}

std::string error_text(DWORD code) {
    wchar_t* text = nullptr;
    DWORD n = ::FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
    std::string out;
    if (n > 0 && text != nullptr) {
        out = utf8(std::wstring_view(text, n));
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ' ||
                                out.back() == '.')) {
            out.pop_back();
        }
    }
    if (text != nullptr) {
        ::LocalFree(text);
    }
    if (out.empty()) {
        out = "Windows error";
    }
    return out + " (error " + std::to_string(code) + ")";
}

Error windows_error(DWORD code, std::string_view what) {
    return Error{kind_of(code), static_cast<int>(code),
                 std::string(what) + ": " + error_text(code)};
}

Result<std::string> run_system_command(const std::wstring& command_line,
                                       std::chrono::milliseconds timeout) {
    SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE read_raw = nullptr, write_raw = nullptr;
    if (!::CreatePipe(&read_raw, &write_raw, &inherit, 0)) {
        return std::unexpected(windows_error(::GetLastError(), "CreatePipe"));
    }
    UniqueHandle reader(read_raw), writer(write_raw);
    ::SetHandleInformation(reader.get(), HANDLE_FLAG_INHERIT, 0);
    UniqueHandle null(::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, 0, &inherit,
                                    OPEN_EXISTING, 0, nullptr));

    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = null.get();
    si.hStdOutput = writer.get();
    si.hStdError = writer.get();
    PROCESS_INFORMATION pi{};
    std::wstring line = command_line;  // CreateProcessW may write to it
    if (!::CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE, CREATE_NO_WINDOW, nullptr,
                          nullptr, &si, &pi)) {
        return std::unexpected(windows_error(::GetLastError(), "cannot run " + utf8(command_line)));
    }
    UniqueHandle process(pi.hProcess), thread(pi.hThread);
    writer.reset();  // the child's copy is the only writer left: its exit ends the pipe

    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    for (;;) {
        DWORD available = 0;
        if (!::PeekNamedPipe(reader.get(), nullptr, 0, nullptr, &available, nullptr)) {
            break;  // the child closed it
        }
        if (available > 0) {
            DWORD n = 0;
            if (!::ReadFile(reader.get(), buffer, sizeof buffer, &n, nullptr) || n == 0) {
                break;
            }
            out.append(buffer, n);
            continue;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::TerminateProcess(process.get(), 1);
            return make_error(ErrorKind::Io, utf8(command_line) + " did not finish within " +
                                                 std::to_string(timeout.count()) + " ms");
        }
        if (::WaitForSingleObject(process.get(), 20) == WAIT_OBJECT_0) {
            // Exited: read what is left, then stop at the broken pipe.
            continue;
        }
    }
    ::WaitForSingleObject(process.get(), 1000);
    DWORD status = 0;
    ::GetExitCodeProcess(process.get(), &status);
    std::string text = utf8(to_wide(out, ::GetOEMCP()));
    if (status != 0) {
        return make_error(ErrorKind::Io, utf8(command_line) + " exited with status " +
                                             std::to_string(status) + ": " + text.substr(0, 200));
    }
    return text;
}

}  // namespace portwatch::collect::windows
