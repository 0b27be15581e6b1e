#include "lib/event/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"

namespace lvs::event {
namespace {

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::Time MonotonicNow() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return absl::TimeFromTimespec(ts);
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return Errno("epoll_create1");
  int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (tf < 0) {
    close(ep);
    return Errno("timerfd_create");
  }
  int wf = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wf < 0) {
    close(ep);
    close(tf);
    return Errno("eventfd");
  }
  auto loop = std::unique_ptr<EventLoop>(new EventLoop(ep, tf, wf));
  // The timerfd and eventfd are dispatched specially in Run(); they are registered
  // with their fd as the epoll data like any other fd.
  for (int fd : {tf, wf}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) return Errno("epoll_ctl");
  }
  return loop;
}

EventLoop::EventLoop(int epoll_fd, int timer_fd, int wake_fd)
    : epoll_fd_(epoll_fd),
      timer_fd_(timer_fd),
      wake_fd_(wake_fd),
      loop_thread_(std::this_thread::get_id()) {}

EventLoop::~EventLoop() {
  close(epoll_fd_);
  close(timer_fd_);
  close(wake_fd_);
}

absl::Status EventLoop::AddFd(int fd, uint32_t events, FdCallback cb) {
  AssertInLoopThread("EventLoop::AddFd");
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) return Errno("epoll_ctl ADD");
  fd_callbacks_[fd] = std::make_shared<FdCallback>(std::move(cb));
  return absl::OkStatus();
}

absl::Status EventLoop::ModifyFd(int fd, uint32_t events) {
  AssertInLoopThread("EventLoop::ModifyFd");
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) < 0) return Errno("epoll_ctl MOD");
  return absl::OkStatus();
}

void EventLoop::RemoveFd(int fd) {
  AssertInLoopThread("EventLoop::RemoveFd");
  if (fd_callbacks_.erase(fd) > 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

absl::Time EventLoop::Now() const { return MonotonicNow(); }

EventLoop::TimerId EventLoop::AddTimer(absl::Duration after, std::function<void()> cb) {
  AssertInLoopThread("EventLoop::AddTimer");
  TimerId id = next_timer_id_++;
  timers_.push({Now() + std::max(after, absl::ZeroDuration()), id});
  timer_callbacks_.emplace(id, std::move(cb));
  ArmTimerFd();
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  AssertInLoopThread("EventLoop::CancelTimer");
  // The heap entry stays until it surfaces; without a callback it is skipped.
  timer_callbacks_.erase(id);
}

void EventLoop::ArmTimerFd() {
  // Drop cancelled entries at the top so we never wake for nothing.
  while (!timers_.empty() && !timer_callbacks_.contains(timers_.top().id)) timers_.pop();
  absl::Time next = timers_.empty() ? absl::InfiniteFuture() : timers_.top().due;
  if (next == armed_for_) return;
  armed_for_ = next;
  itimerspec spec{};
  if (next != absl::InfiniteFuture()) {
    spec.it_value = absl::ToTimespec(next - absl::UnixEpoch());
    // A zero it_value disarms; a deadline in the past must still fire.
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  }
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void EventLoop::FireTimers() {
  uint64_t expirations;
  while (read(timer_fd_, &expirations, sizeof expirations) > 0) {
  }
  armed_for_ = absl::InfiniteFuture();
  absl::Time now = Now();
  // Only timers due now; timers added by callbacks wait for the next round so a
  // zero-delay timer that re-arms itself cannot starve file descriptors.
  std::vector<TimerEntry> due;
  while (!timers_.empty() && timers_.top().due <= now) {
    due.push_back(timers_.top());
    timers_.pop();
  }
  for (const TimerEntry& t : due) {
    auto it = timer_callbacks_.find(t.id);
    if (it == timer_callbacks_.end()) continue;
    auto cb = std::move(it->second);
    timer_callbacks_.erase(it);
    current_lateness_ = Now() - t.due;
    cb();
  }
  current_lateness_ = absl::ZeroDuration();
  ArmTimerFd();
}

void EventLoop::Post(std::function<void()> fn) {
  {
    absl::MutexLock lock(&posted_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void EventLoop::RunSync(std::function<void()> fn) {
  if (InLoopThread()) {
    fn();
    return;
  }
  std::promise<void> done;
  Post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

void EventLoop::DrainPosted() {
  uint64_t n;
  while (read(wake_fd_, &n, sizeof n) > 0) {
  }
  std::vector<std::function<void()>> batch;
  {
    absl::MutexLock lock(&posted_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

bool EventLoop::InLoopThread() const { return std::this_thread::get_id() == loop_thread_.load(); }

void EventLoop::AssertInLoopThread(const char* what) const {
  if (InLoopThread()) return;
  // A programming error, not a runtime condition: say where, then stop before the
  // race corrupts the fd or timer tables.
  std::fprintf(stderr, "%s called off the event loop's thread\n", what);
  std::abort();
}

void EventLoop::Stop() {
  {
    absl::MutexLock lock(&posted_mu_);
    stop_requested_ = true;
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void EventLoop::Run() {
  loop_thread_ = std::this_thread::get_id();
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  for (;;) {
    {
      absl::MutexLock lock(&posted_mu_);
      if (stop_requested_) {
        stop_requested_ = false;
        return;
      }
    }
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == timer_fd_) {
        FireTimers();
      } else if (fd == wake_fd_) {
        DrainPosted();
      } else {
        auto it = fd_callbacks_.find(fd);
        if (it == fd_callbacks_.end()) continue;      // removed by an earlier callback
        std::shared_ptr<FdCallback> cb = it->second;  // survives RemoveFd inside the call
        (*cb)(events[i].events);
      }
    }
  }
}

}  // namespace lvs::event
