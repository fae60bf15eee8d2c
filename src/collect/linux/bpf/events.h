#ifndef PORTWATCH_COLLECT_BPF_EVENTS_H
#define PORTWATCH_COLLECT_BPF_EVENTS_H
// The monitor's eBPF records, written by events.bpf.c and read by bpf_event_source.cpp (ring
// buffer records) and live_snapshot.cpp (the pinned maker map). Shared by both sides: plain C,
// fixed-size fields, no padding.

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

// Where the event source pins its cookie -> maker map (bpffs), for `portwatch snapshot` and
// `diagnose` to name TIME_WAIT owners exactly while a monitor runs.
#define PW_MAKERS_PIN_DIR "/sys/fs/bpf/portwatch"
#define PW_MAKERS_PIN PW_MAKERS_PIN_DIR "/makers"

// The process that made a socket, recorded in its own context: the connecting task at
// CLOSE->SYN_SENT, the accepting task at accept(). Value of the makers map, keyed by the
// socket cookie (__u64), which the TIME_WAIT socket keeps.
struct pw_maker {
    __u32 tgid;            // process id in the initial pid namespace
    __u32 reserved;        // 0
    __u64 cgroup_id;       // cgroup v2 id of the task
    __u64 start_boottime;  // the process's start, ns since boot (CLOCK_BOOTTIME)
    char comm[16];         // the task's name then
};

enum pw_event_kind {
    PW_EV_STATE = 1,   // a TCP state change (tp_btf/inet_sock_set_state)
    PW_EV_ACCEPT = 2,  // accept() returned a socket: its maker was just recorded
    PW_EV_FAILED = 3,  // a port allocation the kernel refused (connect, bind, TCP autobind)
};

enum pw_event_flags {
    PW_EVF_MAKER = 1u << 0,      // `maker` holds the socket's recorded maker
    PW_EVF_TIME_WAIT = 1u << 1,  // FIN_WAIT1/FIN_WAIT2/CLOSING -> CLOSE without error: the
                                 // kernel keeps the port in a TIME_WAIT socket (same cookie)
};

enum pw_call {
    PW_CALL_CONNECT = 1,
    PW_CALL_BIND = 2,
};

// One ring buffer record. Addresses in network byte order (v4 in the first 4 bytes), ports in
// host byte order.
struct pw_event {
    __u64 ts_boottime;  // ns since boot (bpf_ktime_get_boot_ns)
    __u64 cookie;       // socket cookie; 0 for failed calls
    __u64 netns;        // network namespace inode
    struct pw_maker maker;
    __u8 saddr[16];
    __u8 daddr[16];
    __u16 sport;
    __u16 dport;
    __u16 family;   // AF_INET, AF_INET6
    __u8 protocol;  // IPPROTO_TCP, IPPROTO_UDP
    __u8 kind;      // pw_event_kind
    __u8 oldstate;  // TCP states, kernel numbering (PW_EV_STATE)
    __u8 newstate;
    __u8 flags;   // pw_event_flags
    __u8 call;    // pw_call (PW_EV_FAILED)
    __s32 error;  // errno, positive (PW_EV_FAILED)
};

#endif
