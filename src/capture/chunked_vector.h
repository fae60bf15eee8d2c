#pragma once
// A sequence that grows in fixed chunks and is handed over as one exactly sized std::vector:
// what a capture's sockets and processes are gathered in while it is read.
//
// A std::vector that grows by doubling holds its old and new buffers at once while it moves:
// at 200,000 sockets of ~270 bytes that is 75 MB resident for 54 MB of sockets, and the last
// doubling leaves up to half the buffer unused. Full chunks never move (the first one grows
// like a vector while it fills, so hold no reference across emplace_back); take() fills a vector
// reserved to the exact size (its pages become resident only as they are written) and frees
// each chunk as soon as it is moved, so the peak is the sockets plus one chunk. Chunks are
// mapped and unmapped whole (chunk_memory.cpp): memory freed to malloc below its mmap
// threshold would stay resident, and the vector's pages would come on top.

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace portwatch::capture {

namespace detail {

// Pages from the OS, returned to it by chunk_free(): nullptr when none are left.
void* chunk_allocate(std::size_t bytes);
void chunk_free(void* p, std::size_t bytes);

// Blocks of 256 KiB and more are mapped and unmapped; smaller ones (a capture of a few rows,
// of which a file may hold 100,000) come from operator new, since a mapping per one-row
// capture costs a hundred times more.
inline constexpr std::size_t kMapAtLeast = 256 * 1024;

template <typename T>
struct ChunkAllocator {
    using value_type = T;
    ChunkAllocator() = default;
    template <typename U>
    ChunkAllocator(const ChunkAllocator<U>&) {}
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kMapAtLeast) {
            return static_cast<T*>(::operator new(bytes));
        }
        void* p = chunk_allocate(bytes);
        if (p == nullptr) {
            throw std::bad_alloc();
        }
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kMapAtLeast) {
            ::operator delete(p);
        } else {
            chunk_free(p, bytes);
        }
    }
    template <typename U>
    bool operator==(const ChunkAllocator<U>&) const {
        return true;
    }
};

}  // namespace detail

// ChunkSize is a power of two: the first chunk grows by doubling up to it, exactly.
template <typename T, std::size_t ChunkSize = 2048>
class ChunkedVector {
  public:
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    T& operator[](std::size_t i) { return chunks_[i / ChunkSize][i % ChunkSize]; }
    T& back() { return (*this)[size_ - 1]; }

    template <typename... Args>
    T& emplace_back(Args&&... args) {
        if (size_ % ChunkSize == 0) {
            chunks_.emplace_back();
            if (chunks_.size() > 1) {
                chunks_.back().reserve(ChunkSize);  // the first grows as a small capture does
            }
        }
        ++size_;
        return chunks_.back().emplace_back(std::forward<Args>(args)...);
    }
    void push_back(T value) { emplace_back(std::move(value)); }

    void clear() {
        chunks_.clear();
        size_ = 0;
    }

    // Everything, in order, as one vector; this is left empty.
    std::vector<T> take() {
        std::vector<T> out;
        out.reserve(size_);
        for (auto& chunk : chunks_) {
            for (auto& value : chunk) {
                out.push_back(std::move(value));
            }
            Chunk().swap(chunk);  // unmapped now, not after the last chunk
        }
        clear();
        return out;
    }

  private:
    using Chunk = std::vector<T, detail::ChunkAllocator<T>>;
    std::vector<Chunk> chunks_;
    std::size_t size_ = 0;
};

}  // namespace portwatch::capture
