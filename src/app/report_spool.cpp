#include "app/report_spool.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

namespace portwatch::app {

Result<ReportSpool> ReportSpool::create() {
    std::FILE* file = std::tmpfile();
    if (!file) {
        return make_error(std::string("cannot create a temporary file for the reports: ") +
                          std::strerror(errno));
    }
    return ReportSpool(file);
}

ReportSpool::ReportSpool(ReportSpool&& other) noexcept
    : file_(other.file_), end_(other.end_), records_(std::move(other.records_)) {
    other.file_ = nullptr;
}

ReportSpool::~ReportSpool() {
    if (file_) {
        std::fclose(file_);
    }
}

Result<void> ReportSpool::append(std::chrono::system_clock::time_point at, std::uint64_t order,
                                 std::string_view text) {
    if (std::fseek(file_, static_cast<long>(end_), SEEK_SET) != 0 ||
        std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
        return make_error(std::string("cannot write the reports to a temporary file: ") +
                          std::strerror(errno));
    }
    records_.push_back({at, order, end_, text.size()});
    end_ += text.size();
    return {};
}

Result<void> ReportSpool::replay(const std::function<void(std::string_view)>& visit) {
    std::stable_sort(records_.begin(), records_.end(), [](const Record& a, const Record& b) {
        return std::tie(a.at, a.order) < std::tie(b.at, b.order);
    });
    std::string text;
    for (const auto& r : records_) {
        text.resize(r.size);
        if (std::fseek(file_, static_cast<long>(r.offset), SEEK_SET) != 0 ||
            std::fread(text.data(), 1, r.size, file_) != r.size) {
            return make_error(std::string("cannot read the reports back from a temporary file: ") +
                              std::strerror(errno));
        }
        visit(text);
    }
    return {};
}

}  // namespace portwatch::app
