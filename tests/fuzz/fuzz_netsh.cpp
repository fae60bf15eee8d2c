#include "capture/netsh_dynamicport.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    portwatch::capture::NetshDynamicPortReader reader;
    portwatch::capture::fuzz::for_each_line(data, size, [&](std::string_view line) {
        reader.feed(line);
        if (auto block = reader.take_block(); block && block->range) {
            if (block->range->low == 0 || block->range->high < block->range->low) {
                __builtin_trap();
            }
        }
    });
    return 0;
}
