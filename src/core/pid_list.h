#pragma once
// The processes that hold one socket: pids in a list that keeps up to two of them in place.
// Almost every socket has one owner (two after a fork). As a std::vector, each owned socket
// cost an allocation when the owner pass attached it, a pointer chase on every later read and
// a free at exit: 100k of each on the 100k-socket snapshot's critical path.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <vector>

namespace portwatch::core {

class PidList {
  public:
    using value_type = std::int32_t;
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using reference = value_type&;
    using const_reference = const value_type&;
    using pointer = value_type*;
    using const_pointer = const value_type*;
    using iterator = value_type*;
    using const_iterator = const value_type*;

    PidList() noexcept : inline_{} {}
    PidList(std::initializer_list<value_type> pids) : PidList() {
        assign(pids.begin(), pids.end());
    }
    template <std::input_iterator It>
    PidList(It first, It last) : PidList() {
        assign(first, last);
    }
    PidList(const PidList& other) : PidList() { assign(other.begin(), other.end()); }
    PidList(PidList&& other) noexcept : PidList() { take(other); }
    ~PidList() { release(); }

    PidList& operator=(const PidList& other) {
        if (this != &other) {
            assign(other.begin(), other.end());
        }
        return *this;
    }
    PidList& operator=(PidList&& other) noexcept {
        if (this != &other) {
            release();
            take(other);
        }
        return *this;
    }
    PidList& operator=(std::initializer_list<value_type> pids) {
        assign(pids.begin(), pids.end());
        return *this;
    }

    pointer data() noexcept { return on_heap() ? heap_ : inline_; }
    const_pointer data() const noexcept { return on_heap() ? heap_ : inline_; }
    iterator begin() noexcept { return data(); }
    iterator end() noexcept { return data() + size_; }
    const_iterator begin() const noexcept { return data(); }
    const_iterator end() const noexcept { return data() + size_; }
    const_iterator cbegin() const noexcept { return begin(); }
    const_iterator cend() const noexcept { return end(); }

    size_type size() const noexcept { return size_; }
    size_type capacity() const noexcept { return capacity_; }
    bool empty() const noexcept { return size_ == 0; }
    reference operator[](size_type i) noexcept { return data()[i]; }
    const_reference operator[](size_type i) const noexcept { return data()[i]; }
    reference front() noexcept { return data()[0]; }
    const_reference front() const noexcept { return data()[0]; }
    reference back() noexcept { return data()[size_ - 1]; }
    const_reference back() const noexcept { return data()[size_ - 1]; }

    void clear() noexcept { size_ = 0; }
    void reserve(size_type n) {
        if (n > capacity_) {
            grow(n);
        }
    }
    void push_back(value_type pid) {
        if (size_ == capacity_) {
            grow(2 * static_cast<size_type>(capacity_));
        }
        data()[size_++] = pid;
    }
    template <std::input_iterator It>
    void assign(It first, It last) {
        // Not in place when `first` points into this list: copy first.
        if constexpr (std::forward_iterator<It>) {
            const auto n = static_cast<size_type>(std::distance(first, last));
            if (n > capacity_) {
                PidList bigger;
                bigger.grow(n);
                for (; first != last; ++first) {
                    bigger.data()[bigger.size_++] = *first;
                }
                *this = std::move(bigger);
                return;
            }
            // Within capacity: std::copy handles a source that is this list's own prefix.
            size_ = static_cast<std::uint32_t>(std::copy(first, last, data()) - data());
        } else {
            clear();
            for (; first != last; ++first) {
                push_back(*first);
            }
        }
    }
    iterator insert(const_iterator pos, value_type pid) {
        const auto index = pos - cbegin();
        push_back(pid);
        std::rotate(begin() + index, end() - 1, end());
        return begin() + index;
    }
    iterator erase(const_iterator first, const_iterator last) {
        iterator from = begin() + (first - cbegin());
        const auto count = last - first;
        std::copy(from + count, end(), from);
        size_ -= static_cast<std::uint32_t>(count);
        return from;
    }
    iterator erase(const_iterator pos) { return erase(pos, pos + 1); }

    std::vector<value_type> to_vector() const { return {begin(), end()}; }

    friend bool operator==(const PidList& a, const PidList& b) noexcept {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }
    friend bool operator==(const PidList& a, const std::vector<value_type>& b) noexcept {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

  private:
    static constexpr std::uint32_t kInPlace = 2;

    bool on_heap() const noexcept { return capacity_ > kInPlace; }
    void grow(size_type n) {
        auto* bigger = new value_type[n];
        std::copy(begin(), end(), bigger);
        release();
        heap_ = bigger;
        capacity_ = static_cast<std::uint32_t>(n);
    }
    // Frees the heap block (if any) and returns to the in-place storage; keeps size_.
    void release() noexcept {
        if (on_heap()) {
            delete[] heap_;
        }
        capacity_ = kInPlace;
    }
    void take(PidList& other) noexcept {
        size_ = other.size_;
        capacity_ = other.capacity_;
        if (other.on_heap()) {
            heap_ = other.heap_;
        } else {
            std::memcpy(inline_, other.inline_, sizeof inline_);
        }
        other.size_ = 0;
        other.capacity_ = kInPlace;
    }

    std::uint32_t size_ = 0;
    std::uint32_t capacity_ = kInPlace;
    union {
        value_type inline_[kInPlace];
        value_type* heap_;
    };
};

}  // namespace portwatch::core
