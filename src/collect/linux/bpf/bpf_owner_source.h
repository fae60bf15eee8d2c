#pragma once
// Socket owners by eBPF (--owners=bpf): the same OwnerScan as /proc's ProcFdScanner, from one
// in-kernel walk of every file table instead of one readlink() per descriptor.

#include <memory>

#include "collect/linux/owner_source.h"
#include "core/result.h"

namespace portwatch::collect::bpf {

// Probes at run time: privileges, kernel BTF, then loading and attaching the program. Any
// failure is an Error that says why, so --owners=auto can fall back to /proc.
Result<std::unique_ptr<OwnerSource>> make_bpf_owner_source();

}  // namespace portwatch::collect::bpf
