// A minimal HTTP server on the daemon's event loop that answers GET /metrics with
// the Prometheus text the daemon renders at that moment (on the loop thread, so
// the numbers are consistent). Anything else gets 404; oversized or slow requests
// are cut off. It serves scrapers, not browsers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "lib/event/event_loop.h"

namespace lvs::runtime {

class MetricsServer {
 public:
  using Render = std::function<std::string()>;
  // listen: "HOST:PORT" or "[V6]:PORT"; port 0 picks a free one (see port()).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(event::EventLoop& loop,
                                                              const std::string& listen,
                                                              Render render);
  ~MetricsServer();
  int port() const { return port_; }

 private:
  MetricsServer(event::EventLoop& loop, int fd, int port, Render render)
      : loop_(loop), listen_fd_(fd), port_(port), render_(std::move(render)) {}
  void Accept();
  void OnReadable(int fd);
  void OnWritable(int fd);
  void Close(int fd);

  struct Conn {
    std::string in;
    std::string out;
    size_t written = 0;
    event::EventLoop::TimerId deadline = 0;
  };
  event::EventLoop& loop_;
  int listen_fd_;
  int port_;
  Render render_;
  std::unordered_map<int, Conn> conns_;
};

}  // namespace lvs::runtime
