#include "lib/event/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using lvs::event::EventLoop;

TEST_CASE("timers fire in deadline order and cancelled ones never fire") {
  auto loop = *EventLoop::Create();
  std::vector<int> fired;
  // Deadlines fixed against one start, whatever time passes between the AddTimer
  // calls (on a loaded machine the process can be off the CPU for tens of ms between
  // two of them, which with plain delays reordered the deadlines).
  const absl::Time start = loop->Now();
  auto at = [&](int ms) { return start + absl::Milliseconds(ms) - loop->Now(); };
  loop->AddTimer(at(300), [&] {
    fired.push_back(3);
    loop->Stop();
  });
  loop->AddTimer(at(100), [&] { fired.push_back(1); });
  auto cancelled = loop->AddTimer(at(200), [&] { fired.push_back(99); });
  loop->AddTimer(at(210), [&] { fired.push_back(2); });
  loop->CancelTimer(cancelled);
  loop->CancelTimer(12345);  // unknown ids are harmless
  loop->Run();
  CHECK(fired == std::vector<int>{1, 2, 3});
  CHECK(loop->Now() - start >= absl::Milliseconds(300));
  CHECK(loop->PendingTimers() == 0);
}

TEST_CASE("a timer added from a callback with zero delay does not starve the loop") {
  auto loop = *EventLoop::Create();
  int rounds = 0;
  std::function<void()> again = [&] {
    if (++rounds == 100) {
      loop->Stop();
      return;
    }
    loop->AddTimer(absl::ZeroDuration(), again);
  };
  loop->AddTimer(absl::ZeroDuration(), again);
  loop->Run();
  CHECK(rounds == 100);
}

TEST_CASE("lateness is reported inside the callback") {
  auto loop = *EventLoop::Create();
  absl::Duration late = absl::InfiniteDuration();
  loop->AddTimer(absl::Milliseconds(1), [&] {
    late = loop->CurrentTimerLateness();
    loop->Stop();
  });
  loop->Run();
  CHECK(late >= absl::ZeroDuration());
  CHECK(late < absl::Seconds(1));
}

TEST_CASE("fd callbacks run and may remove themselves") {
  auto loop = *EventLoop::Create();
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  int calls = 0;
  REQUIRE(loop->AddFd(fds[0], EPOLLIN,
                      [&](uint32_t ev) {
                        ++calls;
                        char c;
                        CHECK(read(fds[0], &c, 1) == 1);
                        loop->RemoveFd(fds[0]);
                        loop->Stop();
                      })
              .ok());
  CHECK(write(fds[1], "x", 1) == 1);
  loop->Run();
  CHECK(calls == 1);
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("Post and RunSync from another thread run on the loop thread") {
  auto loop = *EventLoop::Create();
  std::atomic<bool> on_loop{false};
  std::thread t([&] {
    int value = 0;
    loop->RunSync([&] {
      value = 42;
      on_loop = loop->InLoopThread();
    });
    CHECK(value == 42);
    loop->Stop();
  });
  loop->Run();
  t.join();
  CHECK(on_loop);
}
