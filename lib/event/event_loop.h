// The event loop the daemons run on: epoll for file descriptors, one timerfd on
// CLOCK_MONOTONIC for every timer (a min-heap, so tens of thousands of checks cost
// one kernel timer), and an eventfd so other threads (gRPC handlers) can hand work
// to the loop thread. Everything that touches daemon state runs on the loop thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lvs::event {

class EventLoop {
 public:
  using FdCallback = std::function<void(uint32_t epoll_events)>;
  using TimerId = uint64_t;

  static absl::StatusOr<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Loop-thread only (checked: a call from another thread aborts with the method's
  // name, since it would race the loop's own use of the fd and timer tables):
  // AddFd, ModifyFd, RemoveFd, AddTimer, CancelTimer. The thread that created the
  // loop counts as the loop thread until Run() starts elsewhere.
  //
  // Watches fd for `events` (EPOLLIN, EPOLLOUT, ...). The callback may add or
  // remove any fd, including its own.
  absl::Status AddFd(int fd, uint32_t events, FdCallback cb);
  absl::Status ModifyFd(int fd, uint32_t events);
  void RemoveFd(int fd);

  // One-shot timer on the monotonic clock. Ids are never reused.
  TimerId AddTimer(absl::Duration after, std::function<void()> cb);
  // Safe on ids that already fired or never existed.
  void CancelTimer(TimerId id);
  // Inside a timer callback: how far past its deadline it fired.
  absl::Duration CurrentTimerLateness() const { return current_lateness_; }
  size_t PendingTimers() const { return timer_callbacks_.size(); }

  // The monotonic clock as absl::Time; meaningful only for differences.
  absl::Time Now() const;

  // Thread-safe: runs fn on the loop thread soon.
  void Post(std::function<void()> fn);
  // Thread-safe: runs fn on the loop thread and waits for it. On the loop thread
  // itself it runs fn directly.
  void RunSync(std::function<void()> fn);
  // Thread-safe: runs fn on the loop thread and returns what it returned (RunSync
  // with a result, so a caller needs no placeholder value for "not run yet").
  template <typename Fn>
  std::invoke_result_t<Fn&> Call(Fn&& fn);

  // Runs until Stop(). Returns after the iteration that saw the stop.
  void Run();
  // Thread-safe.
  void Stop();
  bool InLoopThread() const;
  // Aborts, naming `what`, unless called on the loop thread.
  void AssertInLoopThread(const char* what) const;

 private:
  EventLoop(int epoll_fd, int timer_fd, int wake_fd);
  void ArmTimerFd();
  void FireTimers();
  void DrainPosted();

  struct TimerEntry {
    absl::Time due;
    TimerId id;
    bool operator>(const TimerEntry& o) const { return due != o.due ? due > o.due : id > o.id; }
  };

  int epoll_fd_;
  int timer_fd_;
  int wake_fd_;
  std::unordered_map<int, std::shared_ptr<FdCallback>> fd_callbacks_;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
  std::unordered_map<TimerId, std::function<void()>> timer_callbacks_;
  TimerId next_timer_id_ = 1;
  absl::Time armed_for_ = absl::InfiniteFuture();
  absl::Duration current_lateness_ = absl::ZeroDuration();

  absl::Mutex posted_mu_;
  std::vector<std::function<void()>> posted_ ABSL_GUARDED_BY(posted_mu_);
  bool stop_requested_ ABSL_GUARDED_BY(posted_mu_) = false;
  // Written by Run() on its thread, read by any thread's InLoopThread().
  std::atomic<std::thread::id> loop_thread_;
};

template <typename Fn>
std::invoke_result_t<Fn&> EventLoop::Call(Fn&& fn) {
  using Result = std::invoke_result_t<Fn&>;
  if constexpr (std::is_void_v<Result>) {
    RunSync(std::forward<Fn>(fn));
  } else {
    if (InLoopThread()) return fn();
    std::optional<Result> result;
    RunSync([&] { result.emplace(fn()); });
    return std::move(*result);
  }
}

}  // namespace lvs::event
