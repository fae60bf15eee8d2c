// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Socket owners from inside the kernel: an iter/task_file program, run once per (task, open
// file) by read() on an iterator fd, writes one pw_fd_record per descriptor; for an IPv4/IPv6
// socket it also says whether bind() locked the port (sk_userlocks).
//
// 1. The kernel's task_file iterator skips a thread whose file table is its group leader's
//    (kernel/bpf/task_iter.c, skip_if_dup_files), so a table shared by all threads is walked
//    once. A thread that unshared its table (CLONE_FILES cleared) is walked too: its records
//    carry no PW_FD_LEADER_TABLE flag, so user space can keep /proc's per-process fd count.
// 2. The program keeps no state about the walk: when a record overflows the seq_file buffer, the
//    kernel discards it and runs the program again for the same file on the next read(), so
//    any counter kept here would count that file twice. User space counts instead.
// 3. task->tgid is the id in the initial pid namespace; /proc shows the id in the namespace of
//    the process reading it. The iterator only visits tasks visible in the namespace of the
//    task that created it (the reader), so the tgid at the reader's level always exists.

// clang-format off
#include "vmlinux.h"  // first: the kernel's types every other header needs
// clang-format on

#include "owners.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#define PW_MAX_PID_NS_LEVEL 32
#define PW_SOCK_BINDPORT_LOCK 8

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// The upid (number, namespace) of `pid` at pid-namespace `level`; 0 when it has none there.
static __always_inline struct upid* upid_at(struct pid* pid, unsigned int level) {
    if (level > PW_MAX_PID_NS_LEVEL || BPF_CORE_READ(pid, level) < level) {
        return 0;
    }
    unsigned long base = (unsigned long)pid + bpf_core_field_offset(struct pid, numbers);
    return (struct upid*)(base + level * bpf_core_type_size(struct upid));
}

// The task's process id as the reader's pid namespace numbers it; -1 when it has none there.
// The reader's level is read per record, not cached in a global: the program is pinned and
// shared by every portwatch that reads it (task_file_iterator.cpp), and readers in different
// pid namespaces see different numbers. The reader is the current task, hot in the cache:
// two plain loads.
static __always_inline int tgid_for_reader(struct task_struct* task, __u32* tgid) {
    struct task_struct* reader = bpf_get_current_task_btf();
    unsigned int level = reader->thread_pid->level;
    if (level == 0) {
        *tgid = task->tgid;  // the initial namespace numbers everything
        return 0;
    }
    struct upid* mine = upid_at(reader->thread_pid, level);
    struct upid* theirs = upid_at(BPF_CORE_READ(task, signal, pids[PIDTYPE_TGID]), level);
    if (!mine || !theirs || BPF_CORE_READ(mine, ns) != BPF_CORE_READ(theirs, ns)) {
        return -1;
    }
    *tgid = BPF_CORE_READ(theirs, nr);
    return 0;
}

SEC("iter/task_file")
int dump_task_file(struct bpf_iter__task_file* ctx) {
    struct task_struct* task = ctx->task;
    struct file* file = ctx->file;
    if (!task || !file) {
        return 0;  // the final call, made once the walk is over
    }
    struct pw_fd_record record = {};
    if (tgid_for_reader(task, &record.tgid) != 0) {
        return 0;
    }
    // bpf_sock_from_file() is NULL unless the file is a sockfs socket (it compares f_op, in
    // the file the iterator has just referenced): other files cost no inode read. An O_PATH
    // descriptor on a socket's path is not a socket here, and never met a dumped socket.
    // Its result and sk are BTF pointers, read by plain loads rather than probe-read helper
    // calls (a tenth of the cost per descriptor). The port lock read here spares the snapshot
    // a second walk of the kernel's TCP table; sk_userlocks was a bitfield before Linux 5.6.
    // Every family has the field; only IPv4/IPv6 inodes ever meet a dumped socket, so the
    // family is not read (one cache miss less per descriptor).
    struct socket* sock = bpf_sock_from_file(file);
    if (sock) {
        record.inode = file->f_inode->i_ino;
        record.flags |= PW_FD_SOCKET;
        struct sock* sk = sock->sk;
        if (sk) {
            record.flags |= PW_FD_LOCK_READ;
            if (BPF_CORE_READ_BITFIELD(sk, sk_userlocks) & PW_SOCK_BINDPORT_LOCK) {
                record.flags |= PW_FD_PORT_LOCKED;
            }
        }
    }
    if (task->pid == task->tgid) {
        record.flags |= PW_FD_LEADER_TABLE;
    }
    bpf_seq_write(ctx->meta->seq, &record, sizeof record);
    return 0;
}
