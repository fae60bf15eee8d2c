#include "collect/linux/bpf/bpf_owner_source.h"

#include "collect/linux/bpf/fd_records.h"
#include "collect/linux/bpf/task_file_iterator.h"

namespace portwatch::collect::bpf {

namespace {

class BpfOwnerSource final : public OwnerSource {
  public:
    explicit BpfOwnerSource(TaskFileIterator iterator) : iterator_(std::move(iterator)) {}
    std::string_view name() const override { return "bpf"; }

    Result<OwnerScan> scan() override {
        auto records = iterator_.walk();
        if (!records) {
            return std::unexpected(records.error());
        }
        return fold_fd_records(*records);
    }

  private:
    TaskFileIterator iterator_;
};

}  // namespace

Result<std::unique_ptr<OwnerSource>> make_bpf_owner_source() {
    auto iterator = TaskFileIterator::create();
    if (!iterator) {
        return std::unexpected(iterator.error());
    }
    return std::make_unique<BpfOwnerSource>(std::move(*iterator));
}

}  // namespace portwatch::collect::bpf
