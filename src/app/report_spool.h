#pragma once
// Rendered reports kept on disk until they can be written: `analyze --each` (or captures that
// all carry one time) shows every capture's report, after a heading that needs all of their
// verdicts, in time order. Keeping 100,000 reports in memory took a gigabyte; each is rendered
// when it is made, appended to an unnamed temporary file (std::tmpfile, gone at exit), and
// copied out in time order at the end. Memory: one record of 32 bytes per report.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace portwatch::app {

class ReportSpool {
  public:
    static Result<ReportSpool> create();
    ReportSpool(ReportSpool&& other) noexcept;
    ReportSpool& operator=(ReportSpool&&) = delete;
    ReportSpool(const ReportSpool&) = delete;
    ~ReportSpool();

    // `order` breaks ties of `at` (the input order).
    Result<void> append(std::chrono::system_clock::time_point at, std::uint64_t order,
                        std::string_view text);
    std::size_t size() const { return records_.size(); }
    // Calls `visit` with each text, in order of (at, order).
    Result<void> replay(const std::function<void(std::string_view)>& visit);

  private:
    struct Record {
        std::chrono::system_clock::time_point at;
        std::uint64_t order = 0;
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
    };
    explicit ReportSpool(std::FILE* file) : file_(file) {}
    std::FILE* file_ = nullptr;
    std::uint64_t end_ = 0;
    std::vector<Record> records_;
};

}  // namespace portwatch::app
