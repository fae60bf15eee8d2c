#include "collect/windows/processes.h"

#include <windows.h>
// after windows.h
#include <tlhelp32.h>

#include <map>

#include "collect/windows/system_text.h"
#include "collect/windows/win_handle.h"

namespace portwatch::collect::windows {

namespace {

struct Entry {
    std::int32_t ppid = 0;
    std::string image;
};

std::int64_t unix_seconds(const FILETIME& ft) {
    ULARGE_INTEGER v;
    v.LowPart = ft.dwLowDateTime;
    v.HighPart = ft.dwHighDateTime;
    constexpr std::uint64_t kEpochDelta = 116444736000000000ull;  // 1601 to 1970, in 100 ns
    return v.QuadPart > kEpochDelta
               ? static_cast<std::int64_t>((v.QuadPart - kEpochDelta) / 10000000)
               : 0;
}

std::string user_of(HANDLE process) {
    HANDLE raw = nullptr;
    if (!::OpenProcessToken(process, TOKEN_QUERY, &raw)) {
        return {};
    }
    UniqueHandle token(raw);
    DWORD size = 0;
    ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
    if (size == 0) {
        return {};
    }
    std::vector<std::byte> buffer(size);
    if (!::GetTokenInformation(token.get(), TokenUser, buffer.data(), size, &size)) {
        return {};
    }
    auto* user = reinterpret_cast<TOKEN_USER*>(buffer.data());
    wchar_t name[256], domain[256];
    DWORD name_size = 256, domain_size = 256;
    SID_NAME_USE use;
    if (!::LookupAccountSidW(nullptr, user->User.Sid, name, &name_size, domain, &domain_size,
                             &use)) {
        return {};
    }
    std::string d = utf8(std::wstring_view(domain, domain_size));
    std::string n = utf8(std::wstring_view(name, name_size));
    return d.empty() ? n : d + "\\" + n;
}

}  // namespace

Result<ProcessTable> read_processes(const std::set<std::int32_t>& wanted, bool handle_counts) {
    UniqueHandle snap(::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
    if (!snap) {
        return std::unexpected(windows_error(::GetLastError(), "CreateToolhelp32Snapshot"));
    }
    std::map<std::int32_t, Entry> all;
    PROCESSENTRY32W pe{};
    pe.dwSize = sizeof pe;
    for (BOOL ok = ::Process32FirstW(snap.get(), &pe); ok; ok = ::Process32NextW(snap.get(), &pe)) {
        all[static_cast<std::int32_t>(pe.th32ProcessID)] = {
            static_cast<std::int32_t>(pe.th32ParentProcessID), utf8(pe.szExeFile)};
    }

    ProcessTable t;
    for (const auto& [pid, entry] : all) {
        const bool want = wanted.contains(pid);
        if (!want && !handle_counts) {
            continue;
        }
        core::Process p;
        p.pid = pid;
        p.ppid = entry.ppid;
        p.name = entry.image;
        if (pid == 0) {
            p.name = "System Idle Process";
        }
        UniqueHandle h(
            ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid)));
        if (h) {
            DWORD handles = 0;
            if (::GetProcessHandleCount(h.get(), &handles)) {
                t.handles.push_back({pid, p.name, handles});
            }
        } else if (want && pid > 4) {
            ++t.denied;  // the System process (4) and Idle (0) are never opened
        }
        if (!want) {
            continue;
        }
        if (h) {
            wchar_t path[MAX_PATH * 4];
            DWORD size = static_cast<DWORD>(std::size(path));
            if (::QueryFullProcessImageNameW(h.get(), 0, path, &size)) {
                p.exe = utf8(std::wstring_view(path, size));
            }
            FILETIME created, exited, kernel, user;
            if (::GetProcessTimes(h.get(), &created, &exited, &kernel, &user)) {
                p.start_time = unix_seconds(created);
            }
            p.user = user_of(h.get());
        }
        t.processes.push_back(std::move(p));
    }
    for (auto pid : wanted) {
        t.gone += all.contains(pid) ? 0u : 1u;
    }
    return t;
}

}  // namespace portwatch::collect::windows
