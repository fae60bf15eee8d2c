#pragma once
// RAII owners of the Windows handles the live source opens: kernel objects (CloseHandle),
// registry keys (RegCloseKey), event-log queries and events (EvtClose).

#include <windows.h>
#include <winevt.h>

#include <utility>

namespace portwatch::collect::windows {

// `Traits` says how to close a handle and which values mean "none".
template <typename Traits>
class Owned {
  public:
    using H = typename Traits::Handle;
    Owned() = default;
    explicit Owned(H h) : h_(h) {}
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    Owned(Owned&& o) noexcept : h_(std::exchange(o.h_, H{})) {}
    Owned& operator=(Owned&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, H{});
        }
        return *this;
    }
    ~Owned() { reset(); }

    H get() const { return h_; }
    explicit operator bool() const { return Traits::valid(h_); }
    void reset() {
        if (Traits::valid(h_)) {
            Traits::close(h_);
        }
        h_ = H{};
    }

  private:
    H h_{};
};

// Kernel objects: processes, tokens, pipes, snapshots (INVALID_HANDLE_VALUE and null are both
// "none").
struct KernelHandle {
    using Handle = HANDLE;
    static bool valid(HANDLE h) { return h != nullptr && h != INVALID_HANDLE_VALUE; }
    static void close(HANDLE h) { ::CloseHandle(h); }
};
struct RegistryKey {
    using Handle = HKEY;
    static bool valid(HKEY k) { return k != nullptr; }
    static void close(HKEY k) { ::RegCloseKey(k); }
};
struct EventLogHandle {
    using Handle = EVT_HANDLE;
    static bool valid(EVT_HANDLE h) { return h != nullptr; }
    static void close(EVT_HANDLE h) { ::EvtClose(h); }
};

using UniqueHandle = Owned<KernelHandle>;
using UniqueKey = Owned<RegistryKey>;
using UniqueEvt = Owned<EventLogHandle>;

}  // namespace portwatch::collect::windows
