// The pages of capture/chunked_vector.h's chunks, straight from the OS and back to it.
#include "capture/chunked_vector.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <sys/mman.h>
#endif

namespace portwatch::capture::detail {

void* chunk_allocate(std::size_t bytes) {
#ifdef _WIN32
    return ::VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
#else
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
#endif
}

void chunk_free(void* p, [[maybe_unused]] std::size_t bytes) {
#ifdef _WIN32
    ::VirtualFree(p, 0, MEM_RELEASE);
#else
    ::munmap(p, bytes);
#endif
}

}  // namespace portwatch::capture::detail
