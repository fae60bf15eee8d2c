#include "tui/run.h"

#include <langinfo.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>

#include "sys/unique_fd.h"
#include "tui/curses_screen.h"
#include "tui/layout.h"
#include "tui/plain.h"

namespace portwatch::tui {

namespace {

// Blocks signals in the calling thread (and the threads it starts) until it goes.
class SignalMask {
  public:
    explicit SignalMask(const sigset_t& block) { pthread_sigmask(SIG_BLOCK, &block, &old_); }
    ~SignalMask() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
    SignalMask(const SignalMask&) = delete;
    SignalMask& operator=(const SignalMask&) = delete;

  private:
    sigset_t old_{};
};

// What the sampling thread hands the drawing one.
struct Mailbox {
    std::mutex mutex;
    std::optional<monitor::MonitorState> latest;  // a sample not yet taken by the view
    std::optional<Error> error;
    std::size_t samples = 0;
};

bool locale_is_utf8() {
    std::string_view codeset = nl_langinfo(CODESET);
    return codeset == "UTF-8" || codeset == "utf8";
}

}  // namespace

std::chrono::seconds local_utc_offset(core::TimePoint at) {
    std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm local{};
    if (localtime_r(&t, &local) == nullptr) {
        return std::chrono::seconds{0};
    }
    return std::chrono::seconds{local.tm_gmtoff};
}

Result<Ended> run_plain(const Feed& feed, const RunOptions& options, std::ostream& out) {
    ViewSettings view = options.view;
    for (std::size_t frame = 0;; ++frame) {
        if (frame > 0) {
            if (auto ok = feed.step(); !ok) {
                return std::unexpected(ok.error());
            }
        }
        monitor::MonitorState state = feed.state();
        view.utc_offset = local_utc_offset(state.at);
        write_plain_frame(out, state, view);
        out.flush();
        if (!out || (options.iterations && frame + 1 >= *options.iterations)) {
            return Ended{};
        }
    }
}

Result<Ended> run_terminal(const Feed& feed, const RunOptions& options) {
    // ncursesw draws UTF-8 only under a UTF-8 LC_CTYPE; the rest of the locale stays "C".
    std::setlocale(LC_CTYPE, "");
    ViewSettings view = options.view;
    view.utf8 = locale_is_utf8();
    view.batch = false;

    // 1. SIGTERM, SIGINT and SIGHUP are blocked in every thread and read from a signalfd,
    //    so they end the loop like q does and the terminal is restored. SIGWINCH is blocked
    //    for the sampling thread only: ncurses' handler must run on this one, which turns it
    //    into KEY_RESIZE (and interrupts poll()).
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) {
        sigaddset(&stop_signals, s);
    }
    sigset_t blocked = stop_signals;
    sigaddset(&blocked, SIGWINCH);
    SignalMask mask(blocked);
    sys::UniqueFd signals(signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK));
    sys::UniqueFd wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!signals || !wake) {
        return make_error(std::string("top: ") + std::strerror(errno));
    }

    // 2. The first state is there before the thread starts; from then on only the thread
    //    touches the feed.
    monitor::MonitorState shown = feed.state();
    Mailbox mailbox;
    std::jthread sampler([&feed, &mailbox, fd = wake.get()](std::stop_token stop) {
        while (!stop.stop_requested()) {
            Result<void> ok;
            try {
                ok = feed.step();
            } catch (const std::exception& e) {  // not across the thread: an error like any
                ok = make_error(std::string("top: ") + e.what());
            }
            {
                std::lock_guard lock(mailbox.mutex);
                if (ok) {
                    mailbox.latest = feed.state();
                    ++mailbox.samples;
                } else {
                    mailbox.error = ok.error();
                }
            }
            std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
            if (!ok) {
                return;
            }
        }
    });
    // Destroyed before `sampler` (which joins): a step under way is told to end, so leaving
    // (q, a signal, an error) does not wait for the rest of the interval.
    struct StopSampler {
        std::jthread& thread;
        const Feed& feed;
        ~StopSampler() {
            thread.request_stop();
            if (feed.interrupt) {
                feed.interrupt();
            }
        }
    } stop_sampler{sampler, feed};
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    pthread_sigmask(SIG_UNBLOCK, &winch, nullptr);

    // 3. Declared after the thread, so the terminal is restored before the thread is joined
    //    (which waits for the step under way to see the interrupt: ~100 ms, or the end of a
    //    sample being taken).
    auto screen = CursesScreen::create();
    if (!screen) {
        sampler.request_stop();
        return std::unexpected(screen.error());
    }
    CursesScreen& term = **screen;

    std::size_t samples = 1;
    Frame frame;
    bool dirty = true;
    for (;;) {
        if (dirty) {
            view.rows = term.rows();
            view.cols = term.cols();
            view.utc_offset = local_utc_offset(shown.at);
            frame = layout(shown, view);
            view.scroll = frame.scroll;
            term.draw(frame);
            dirty = false;
        }
        if (options.iterations && samples >= *options.iterations) {
            return Ended{};
        }
        pollfd fds[] = {
            {STDIN_FILENO, POLLIN, 0}, {signals.get(), POLLIN, 0}, {wake.get(), POLLIN, 0}};
        int ready = ::poll(fds, 3, -1);
        if (ready < 0 && errno != EINTR) {
            return make_error(std::string("top: poll: ") + std::strerror(errno));
        }
        if (ready > 0 && (fds[1].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            if (::read(signals.get(), &info, sizeof info) == sizeof info) {
                return Ended{static_cast<int>(info.ssi_signo)};
            }
        }
        if (ready > 0 && (fds[2].revents & POLLIN) != 0) {
            std::uint64_t count = 0;
            [[maybe_unused]] auto n = ::read(wake.get(), &count, sizeof count);
        }
        {
            std::lock_guard lock(mailbox.mutex);
            if (mailbox.error) {
                return std::unexpected(*mailbox.error);
            }
            if (mailbox.latest && !view.paused) {
                shown = std::move(*mailbox.latest);
                mailbox.latest.reset();
                samples = 1 + mailbox.samples;
                dirty = true;
            }
        }
        if (ready > 0 && (fds[0].revents & (POLLHUP | POLLERR)) != 0 &&
            (fds[0].revents & POLLIN) == 0) {
            return Ended{SIGHUP};  // the terminal went away
        }
        // Keys, and KEY_RESIZE after a SIGWINCH interrupted poll().
        while (auto key = term.next_key()) {
            bool was_paused = view.paused;
            KeyResult r = apply_key(view, *key, frame);
            if (r == KeyResult::Quit) {
                return Ended{};
            }
            dirty = dirty || r == KeyResult::Changed;
            if (was_paused && !view.paused) {
                std::lock_guard lock(mailbox.mutex);
                if (mailbox.latest) {
                    shown = std::move(*mailbox.latest);
                    mailbox.latest.reset();
                    samples = 1 + mailbox.samples;
                }
            }
        }
    }
}

}  // namespace portwatch::tui
