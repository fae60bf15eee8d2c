#ifndef PORTWATCH_COLLECT_BPF_OWNERS_H
#define PORTWATCH_COLLECT_BPF_OWNERS_H
// One record per open file descriptor, written by owners.bpf.c with bpf_seq_write() and read
// by bpf_owner_source.cpp. Shared by both sides: plain C, fixed-size fields, no padding.

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum pw_fd_flags {
    PW_FD_SOCKET = 1u << 0,        // the file is a socket; inode is its sockfs inode number
    PW_FD_LEADER_TABLE = 1u << 1,  // the table is the one /proc/<tgid>/fd lists
};

struct pw_fd_record {
    __u64 inode;  // socket inode ("socket:[inode]" in /proc/<pid>/fd), 0 for other files
    __u32 tgid;   // process id as the reader's pid namespace numbers it
    __u32 flags;  // pw_fd_flags
};

#endif
