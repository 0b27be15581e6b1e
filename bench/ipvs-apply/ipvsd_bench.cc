// Times the running daemons, as a client sees them (bench/ipvs-apply/run starts them
// on a generated file of N services x 4 reals in the lab VM):
//
//   ipvsd_bench RUN_DIR list ROUNDS
//       ListServices ROUNDS times; prints the median and the slowest call.
//   ipvsd_bench RUN_DIR health TARGET_ID FLAG_FILE ROUNDS
//       TARGET_ID is a MISC_CHECK that passes while FLAG_FILE exists. Each round
//       removes (then restores) the file and measures from checkd's HealthEvent
//       for the target to ipvsd's TableEvent for its service: the time one health
//       change takes to pass through ipvsd into the kernel (ipvsd publishes a table
//       event after the kernel answered).
//
// Prints "key=value" lines; the run script turns them into ratios.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "lib/rpc/channel.h"
#include "lvs/v1/check.grpc.pb.h"
#include "lvs/v1/ipvs.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Report(const char* what, std::vector<double> ms) {
  std::string all;
  for (double m : ms)
    all += (all.empty() ? "" : ",") + std::to_string(static_cast<int64_t>(m + 0.5));
  std::sort(ms.begin(), ms.end());
  std::printf("%s rounds=%zu median_ms=%.2f max_ms=%.2f all_ms=%s\n", what, ms.size(),
              ms[ms.size() / 2], ms.back(), all.c_str());
}

int List(const std::string& run_dir, int rounds) {
  auto stub = lvs::v1::Ipvs::NewStub(lvs::rpc::UnixChannel(run_dir, "ipvsd"));
  std::vector<double> ms;
  size_t services = 0;
  for (int i = 0; i < rounds; ++i) {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    lvs::v1::ListServicesResponse resp;
    const auto t0 = Clock::now();
    grpc::Status s = stub->ListServices(&ctx, lvs::v1::ListServicesRequest(), &resp);
    ms.push_back(Ms(Clock::now() - t0));
    if (!s.ok()) {
      std::fprintf(stderr, "ListServices: %s\n", s.error_message().c_str());
      return 1;
    }
    services = static_cast<size_t>(resp.services_size());
  }
  std::printf("services=%zu\n", services);
  Report("list", ms);
  return 0;
}

// The latest time an event matching a predicate arrived, with a wait for the next.
class Stamp {
 public:
  void Mark() {
    std::lock_guard<std::mutex> l(mu_);
    at_ = Clock::now();
    ++count_;
    cv_.notify_all();
  }
  // Waits for a mark after `after_count` marks; false on timeout.
  bool WaitBeyond(uint64_t after_count, Clock::time_point* at) {
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, std::chrono::seconds(60), [&] { return count_ > after_count; }))
      return false;
    *at = at_;
    return true;
  }
  uint64_t count() {
    std::lock_guard<std::mutex> l(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Clock::time_point at_;
  uint64_t count_ = 0;
};

// Every event of a watch stream to `on_event`, until the stream ends.
template <typename Event, typename OnEvent>
void ReadToEnd(std::unique_ptr<grpc::ClientReader<Event>> stream, OnEvent on_event) {
  Event e;
  while (stream->Read(&e)) on_event(e);
  stream->Finish();
}

int Health(const std::string& run_dir, const std::string& target, const std::string& flag,
           int rounds) {
  auto checkd = lvs::v1::CheckerService::NewStub(lvs::rpc::UnixChannel(run_dir, "checkd"));
  auto ipvsd = lvs::v1::Ipvs::NewStub(lvs::rpc::UnixChannel(run_dir, "ipvsd"));
  Stamp health, table;
  std::atomic<bool> health_ready{false}, table_ready{false};
  // The table's snapshot is one event per service: the stream is live once it has
  // stopped arriving, not at its first event.
  std::atomic<int64_t> last_snapshot_ms{0};
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
        .count();
  };
  grpc::ClientContext hctx, tctx;
  hctx.set_wait_for_ready(true);
  tctx.set_wait_for_ready(true);
  std::thread ht([&] {
    ReadToEnd(checkd->WatchHealth(&hctx, lvs::v1::WatchHealthRequest()),
              [&](const lvs::v1::HealthEvent& e) {
                if (e.snapshot())
                  health_ready = true;
                else if (e.id() == target)
                  health.Mark();
              });
  });
  std::thread tt([&] {
    ReadToEnd(ipvsd->WatchTable(&tctx, lvs::v1::WatchTableRequest()),
              [&](const lvs::v1::TableEvent& e) {
                if (e.snapshot()) {
                  table_ready = true;
                  last_snapshot_ms = now_ms();
                } else {
                  table.Mark();
                }
              });
  });
  // Snapshots arrive first; the streams are live once each has sent one.
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (!(health_ready && table_ready && now_ms() - last_snapshot_ms > 1000) &&
         Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int rc = health_ready && table_ready ? 0 : 1;
  if (rc) std::fprintf(stderr, "the watch streams sent no snapshot in 120 s\n");
  std::vector<double> ms;
  for (int i = 0; rc == 0 && i < 2 * rounds; ++i) {
    const bool down = i % 2 == 0;
    const uint64_t h0 = health.count(), t0 = table.count();
    if (down) {
      unlink(flag.c_str());
    } else if (FILE* f = std::fopen(flag.c_str(), "w")) {
      std::fclose(f);
    }
    Clock::time_point ht_at, tt_at;
    if (!health.WaitBeyond(h0, &ht_at) || !table.WaitBeyond(t0, &tt_at)) {
      std::fprintf(stderr, "round %d: no %s event in 60 s\n", i,
                   health.count() == h0 ? "health" : "table");
      rc = 1;
      break;
    }
    ms.push_back(Ms(tt_at - ht_at));
  }
  hctx.TryCancel();
  tctx.TryCancel();
  ht.join();
  tt.join();
  if (rc == 0) Report("health", ms);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[2]) == "list") return List(argv[1], std::atoi(argv[3]));
  if (argc >= 6 && std::string(argv[2]) == "health")
    return Health(argv[1], argv[3], argv[4], std::atoi(argv[5]));
  std::fprintf(stderr,
               "usage: ipvsd_bench RUN_DIR list ROUNDS\n"
               "       ipvsd_bench RUN_DIR health TARGET_ID FLAG_FILE ROUNDS\n");
  return 2;
}
