// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The monitor's kernel side: who made each TCP socket, its state changes, and the port
// allocations the kernel refused, delivered to user space in batches.
//
// 1. Makers. The connecting task is the socket's owner only at CLOSE->SYN_SENT (connect()
//    runs in it); later transitions mostly run in softirq, where "current" is whoever was
//    running (on loopback: the sender). So the maker is taken there, and for accepted sockets
//    at the exit of accept()/accept4() in the accepting task, never anywhere else. It is
//    stored under the socket cookie, which bpf_get_socket_cookie() generates on first use:
//    called at SYN_SENT (and on the child at LISTEN->SYN_RECV), it makes the TIME_WAIT socket
//    that replaces the full one keep the same cookie, so the pinned map names TIME_WAIT
//    owners exactly. Sockets that end without TIME_WAIT drop their entry; the map is an LRU.
// 2. TIME_WAIT. Recent kernels (6.18 here) trace the full socket's change to TIME_WAIT
//    (FIN_WAIT2 -> TIME_WAIT); older ones only its close (FIN_WAIT1/FIN_WAIT2/CLOSING ->
//    CLOSE) once tcp_time_wait() has hashed the timewait socket. Such a close without a
//    socket error (an RST sets sk_err first) is flagged PW_EVF_TIME_WAIT and keeps its map
//    entry. Nothing fires when the timewait socket itself goes.
// 3. Failed allocations. sys_exit_connect/bind report EADDRNOTAVAIL, EADDRINUSE and EAGAIN
//    with the address asked for, read then from the call's own arguments (the task's saved
//    registers, still as the call found them) rather than kept from a sys_enter program: a
//    sys_enter program would run on every connect() and bind() to serve the few that fail.
//    A failed TCP autobind also shows as SYN_SENT->CLOSE with source port 0, in the caller's
//    context, before connect() returns -EADDRNOTAVAIL on the same thread: it is reported
//    there (so io_uring connects count too) and marked, and the connect exit that follows
//    (within PW_MARK_NS) does not count it again.
// 4. Delivery. Records go to a ring buffer without waking user space (BPF_RB_NO_WAKEUP),
//    which polls every 100 ms: a wake-up per record made a loopback connect/accept/close
//    cycle three times slower. Only when the buffer is a quarter full does a record wake the
//    reader. A record that finds no room is counted in `lost`.

// clang-format off
#include "vmlinux.h"  // first: the kernel's types every other header needs
// clang-format on

#include "events.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define PW_AF_INET 2
#define PW_AF_INET6 10
#define PW_IPPROTO_TCP 6
#define PW_IPPROTO_UDP 17
#define PW_EAGAIN 11
#define PW_EADDRINUSE 98
#define PW_EADDRNOTAVAIL 99
#define PW_S_IFMT 00170000
#define PW_S_IFSOCK 0140000

#define PW_TCP_ESTABLISHED 1
#define PW_TCP_SYN_SENT 2
#define PW_TCP_SYN_RECV 3
#define PW_TCP_FIN_WAIT1 4
#define PW_TCP_FIN_WAIT2 5
#define PW_TCP_TIME_WAIT 6
#define PW_TCP_CLOSE 7
#define PW_TCP_LISTEN 10
#define PW_TCP_CLOSING 11

// A connect() that failed its autobind returns within microseconds of the state change that
// marked it; an older mark is another call's (an io_uring connect has no exit here).
#define PW_MARK_NS 100000000ULL  // 100 ms

#define PW_RING_BYTES (8u << 20)
#define PW_WAKE_AT (PW_RING_BYTES / 4)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// The network namespace watched (its inode); 0: every namespace. Set before loading.
const volatile __u64 watch_netns = 0;
// Report every TCP state change, not only those that take or give back a port (port_change).
const volatile __u8 every_state = 0;

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(map_flags, BPF_F_NO_COMMON_LRU);  // an LRU list per CPU: no global lock to take
    __uint(max_entries, 262144);             // user space may change it before loading
    __type(key, __u64);                      // socket cookie
    __type(value, struct pw_maker);
} makers SEC(".maps");

// Threads whose connect() just failed its TCP autobind (reported from the state change), with
// the time: the connect exit that follows is not counted again.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4096);
    __type(key, __u64);    // pid_tgid
    __type(value, __u64);  // bpf_ktime_get_boot_ns()
} autobind_failed SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, PW_RING_BYTES);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

static __always_inline struct pw_event* reserve(void) {
    struct pw_event* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
        __u32 zero = 0;
        __u64* n = bpf_map_lookup_elem(&lost, &zero);
        if (n) {
            *n += 1;
        }
    }
    return e;
}

static __always_inline void submit(struct pw_event* e) {
    __u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
    bpf_ringbuf_submit(e, queued >= PW_WAKE_AT ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

// The calling task as a socket's maker (its thread group: id, leader's name and start), read
// through BTF pointers: plain loads, no probe-read helper calls.
static __always_inline void current_maker(struct pw_maker* m) {
    struct task_struct* leader = bpf_get_current_task_btf()->group_leader;
    m->tgid = bpf_get_current_pid_tgid() >> 32;
    m->reserved = 0;
    m->cgroup_id = bpf_get_current_cgroup_id();
    m->start_boottime = leader->start_boottime;
    __builtin_memcpy(m->comm, leader->comm, sizeof m->comm);
}

static __always_inline __u64 current_netns(void) {
    return bpf_get_current_task_btf()->nsproxy->net_ns->ns.inum;
}

// The 4-tuple of a socket through a BTF pointer: plain loads, no probe-read helper calls
// (this runs on every state change of every TCP socket). `sport` in network order: read from
// inet_sport, as the tracepoint's own record does (skc_num is already 0 when a socket that
// gave its port back, to CLOSE or TIME_WAIT, changes state).
static __always_inline void read_tuple(const struct sock* sk, __be16 sport, struct pw_event* e) {
    e->family = sk->__sk_common.skc_family;
    e->sport = bpf_ntohs(sport);
    e->dport = bpf_ntohs(sk->__sk_common.skc_dport);
    if (e->family == PW_AF_INET6) {
        __builtin_memcpy(e->saddr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
        __builtin_memcpy(e->daddr, &sk->__sk_common.skc_v6_daddr, 16);
    } else {
        __builtin_memset(e->saddr, 0, sizeof e->saddr);
        __builtin_memset(e->daddr, 0, sizeof e->daddr);
        *(__u32*)e->saddr = sk->__sk_common.skc_rcv_saddr;
        *(__u32*)e->daddr = sk->__sk_common.skc_daddr;
    }
}

// The changes that take or give back a port, or keep it in TIME_WAIT: the first change out of
// SYN_SENT (the connect()'s port is chosen by then), to LISTEN, to TIME_WAIT, to CLOSE. The
// others (ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2, ESTABLISHED -> CLOSE_WAIT -> LAST_ACK,
// SYN_RECV -> ESTABLISHED before accept()) only when every_state is set: five of a short
// connection's nine changes, and what the ring buffer costs is per record.
static __always_inline int port_change(int oldstate, int newstate) {
    return oldstate == PW_TCP_SYN_SENT || newstate == PW_TCP_CLOSE ||
           newstate == PW_TCP_TIME_WAIT || newstate == PW_TCP_LISTEN;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_state, const struct sock* sk, const int oldstate, const int newstate) {
    if (sk->sk_protocol != PW_IPPROTO_TCP) {
        return 0;
    }
    const int synsent = oldstate == PW_TCP_CLOSE && newstate == PW_TCP_SYN_SENT;
    const int child = oldstate == PW_TCP_LISTEN && newstate == PW_TCP_SYN_RECV;
    if (!synsent && !child && !every_state && !port_change(oldstate, newstate)) {
        return 0;
    }
    __u64 netns = sk->__sk_common.skc_net.net->ns.inum;
    if (watch_netns != 0 && netns != watch_netns) {
        return 0;
    }
    // Generates the cookie on first use: the child at LISTEN->SYN_RECV gets it before accept()
    // reads it, the TIME_WAIT socket inherits it.
    __u64 cookie = bpf_get_socket_cookie((void*)sk);
    if (synsent) {
        struct pw_maker m;
        current_maker(&m);
        bpf_map_update_elem(&makers, &cookie, &m, BPF_ANY);
        return 0;  // the port is chosen after this (autobind): the next change reports it
    }
    if (child) {
        return 0;  // a child in the accept queue: accept() reports it with its maker
    }
    struct pw_event* e = reserve();
    if (!e) {
        if (newstate == PW_TCP_CLOSE) {
            bpf_map_delete_elem(&makers, &cookie);
        }
        return 0;
    }
    e->ts_boottime = bpf_ktime_get_boot_ns();
    e->cookie = cookie;
    e->netns = netns;
    struct tcp_sock* tp = bpf_skc_to_tcp_sock((void*)sk);
    read_tuple(sk, tp ? tp->inet_conn.icsk_inet.inet_sport : 0, e);
    e->protocol = PW_IPPROTO_TCP;
    e->oldstate = oldstate;
    e->newstate = newstate;
    e->call = 0;
    e->error = 0;
    e->flags = 0;
    if (oldstate == PW_TCP_SYN_SENT && newstate == PW_TCP_CLOSE && e->sport == 0) {
        // inet_hash_connect() found no port, in the connecting task: a failed allocation.
        __u64 id = bpf_get_current_pid_tgid();
        __u64 now = e->ts_boottime;
        bpf_map_update_elem(&autobind_failed, &id, &now, BPF_ANY);
        bpf_map_delete_elem(&makers, &cookie);
        current_maker(&e->maker);
        e->kind = PW_EV_FAILED;
        e->flags = PW_EVF_MAKER;
        e->call = PW_CALL_CONNECT;
        e->error = PW_EADDRNOTAVAIL;
        e->cookie = 0;
        submit(e);
        return 0;
    }
    e->kind = PW_EV_STATE;
    struct pw_maker* known = bpf_map_lookup_elem(&makers, &cookie);
    if (known) {
        e->maker = *known;
        e->flags |= PW_EVF_MAKER;
    } else {
        __builtin_memset(&e->maker, 0, sizeof e->maker);
    }
    if (newstate == PW_TCP_CLOSE) {
        if ((oldstate == PW_TCP_FIN_WAIT1 || oldstate == PW_TCP_FIN_WAIT2 ||
             oldstate == PW_TCP_CLOSING) &&
            sk->sk_err == 0) {
            e->flags |= PW_EVF_TIME_WAIT;
        } else if (known) {
            bpf_map_delete_elem(&makers, &cookie);
        }
    }
    submit(e);
    return 0;
}

// A kernel pointer read as a scalar (by a probe read) made a read-only BTF pointer again, so
// its fields are plain loads instead of one probe-read helper call each (Linux 6.2+).
extern void* bpf_rdonly_cast(void* obj, __u32 btf_id) __ksym;

// The socket behind the calling task's descriptor `fd`, or NULL: BTF loads but one probe
// read (an element of the descriptor array).
static __always_inline struct sock* sock_of_fd(long fd) {
    struct fdtable* fdt = bpf_get_current_task_btf()->files->fdt;
    if (fd < 0 || fd >= fdt->max_fds) {
        return 0;
    }
    struct file* raw = 0;
    bpf_probe_read_kernel(&raw, sizeof raw, &fdt->fd[fd]);
    if (!raw) {
        return 0;
    }
    struct file* file = bpf_rdonly_cast(raw, bpf_core_type_id_kernel(struct file));
    if ((file->f_inode->i_mode & PW_S_IFMT) != PW_S_IFSOCK) {
        return 0;
    }
    struct socket* sock =
        bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
    return sock->sk;
}

static __always_inline int accepted(long fd) {
    if (fd < 0) {
        return 0;
    }
    struct sock* sk = sock_of_fd(fd);
    if (!sk || sk->sk_protocol != PW_IPPROTO_TCP) {
        return 0;
    }
    __u16 family = sk->__sk_common.skc_family;
    if (family != PW_AF_INET && family != PW_AF_INET6) {
        return 0;
    }
    __u64 netns = sk->__sk_common.skc_net.net->ns.inum;
    if (watch_netns != 0 && netns != watch_netns) {
        return 0;
    }
    // Generated at LISTEN->SYN_RECV; a tracepoint program cannot generate one itself.
    __u64 cookie = sk->__sk_common.skc_cookie.counter;
    if (cookie == 0) {
        return 0;
    }
    struct pw_event* e = reserve();
    struct pw_maker m;
    current_maker(&m);
    bpf_map_update_elem(&makers, &cookie, &m, BPF_ANY);
    if (!e) {
        return 0;
    }
    e->ts_boottime = bpf_ktime_get_boot_ns();
    e->cookie = cookie;
    e->netns = netns;
    e->maker = m;
    struct inet_sock* inet = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct inet_sock));
    read_tuple(sk, inet->inet_sport, e);
    e->protocol = PW_IPPROTO_TCP;
    e->kind = PW_EV_ACCEPT;
    e->oldstate = 0;
    e->newstate = sk->__sk_common.skc_state;
    e->flags = PW_EVF_MAKER;
    e->call = 0;
    e->error = 0;
    submit(e);
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int on_exit_accept4(struct trace_event_raw_sys_exit* ctx) {
    return accepted(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int on_exit_accept(struct trace_event_raw_sys_exit* ctx) {
    return accepted(ctx->ret);
}

// sys_exit_connect/bind: a refused port allocation, with the address the call asked for read
// from its arguments (fd, sockaddr) in the task's saved registers.
static __always_inline int returned(struct trace_event_raw_sys_exit* ctx, __u8 call) {
    long ret = ctx->ret;
    if (ret != -PW_EADDRNOTAVAIL && ret != -PW_EADDRINUSE && ret != -PW_EAGAIN) {
        return 0;
    }
    __u64 id = bpf_get_current_pid_tgid();
    __u64 now = bpf_ktime_get_boot_ns();
    if (call == PW_CALL_CONNECT && ret == -PW_EADDRNOTAVAIL) {
        __u64* marked = bpf_map_lookup_elem(&autobind_failed, &id);
        if (marked) {
            __u64 at = *marked;
            bpf_map_delete_elem(&autobind_failed, &id);
            if (now - at < PW_MARK_NS) {
                return 0;  // reported by the state change during this call
            }
        }
    }
    struct pt_regs* regs = (struct pt_regs*)bpf_task_pt_regs(bpf_get_current_task_btf());
    long fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
    const void* uaddr = (const void*)PT_REGS_PARM2_CORE_SYSCALL(regs);
    // One read of the largest inet address; a shorter buffer at the end of a page needs two.
    struct sockaddr_in6 sin6 = {};
    if (!uaddr || (bpf_probe_read_user(&sin6, sizeof sin6, uaddr) != 0 &&
                   bpf_probe_read_user(&sin6, sizeof(struct sockaddr_in), uaddr) != 0)) {
        return 0;
    }
    __u16 family = sin6.sin6_family;
    if (family != PW_AF_INET && family != PW_AF_INET6) {
        return 0;
    }
    __u64 netns = current_netns();
    if (watch_netns != 0 && netns != watch_netns) {
        return 0;
    }
    struct sock* sk = sock_of_fd(fd);
    __u8 protocol = sk ? sk->sk_protocol : 0;
    if (protocol != PW_IPPROTO_TCP && protocol != PW_IPPROTO_UDP) {
        return 0;
    }
    struct pw_event* e = reserve();
    if (!e) {
        return 0;
    }
    __builtin_memset(e, 0, sizeof *e);
    e->ts_boottime = now;
    e->netns = netns;
    current_maker(&e->maker);
    e->family = family;
    e->protocol = protocol;
    e->kind = PW_EV_FAILED;
    e->flags = PW_EVF_MAKER;
    e->call = call;
    e->error = -ret;
    __u8* addr = call == PW_CALL_CONNECT ? e->daddr : e->saddr;
    if (family == PW_AF_INET) {
        __builtin_memcpy(addr, &((struct sockaddr_in*)&sin6)->sin_addr, 4);
    } else {
        __builtin_memcpy(addr, &sin6.sin6_addr, 16);
    }
    if (call == PW_CALL_CONNECT) {
        e->dport = bpf_ntohs(sin6.sin6_port);
    } else {
        e->sport = bpf_ntohs(sin6.sin6_port);
    }
    submit(e);
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int on_exit_connect(struct trace_event_raw_sys_exit* ctx) {
    return returned(ctx, PW_CALL_CONNECT);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int on_exit_bind(struct trace_event_raw_sys_exit* ctx) {
    return returned(ctx, PW_CALL_BIND);
}
