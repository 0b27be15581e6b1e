#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "lib/runtime/metrics_server.h"
#include "lib/runtime/metrics_text.h"

using lvs::runtime::MetricsText;

TEST_CASE("metrics text writes HELP and TYPE once per family, labels escaped") {
  MetricsText m;
  m.Gauge("lvs_vrrp_state", "1 for the instance's current state.",
          {{"instance", "VI_1"}, {"state", "MASTER"}}, 1);
  m.Gauge("lvs_vrrp_state", "1 for the instance's current state.",
          {{"instance", "VI_1"}, {"state", "BACKUP"}}, 0);
  m.Counter("lvs_checks_total", "Checks run.", {{"target", "a\"b\\c\nd"}}, 12345678901234);
  m.Gauge("lvs_latency_seconds", "Latency.", {}, 0.25);
  CHECK(m.text() ==
        "# HELP lvs_vrrp_state 1 for the instance's current state.\n"
        "# TYPE lvs_vrrp_state gauge\n"
        "lvs_vrrp_state{instance=\"VI_1\",state=\"MASTER\"} 1\n"
        "lvs_vrrp_state{instance=\"VI_1\",state=\"BACKUP\"} 0\n"
        "# HELP lvs_checks_total Checks run.\n"
        "# TYPE lvs_checks_total counter\n"
        "lvs_checks_total{target=\"a\\\"b\\\\c\\nd\"} 12345678901234\n"
        "# HELP lvs_latency_seconds Latency.\n"
        "# TYPE lvs_latency_seconds gauge\n"
        "lvs_latency_seconds 0.25\n");
}

namespace {
std::string Fetch(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
  close(fd);
  return out;
}
}  // namespace

TEST_CASE("the metrics server answers GET /metrics with the rendered text, 404 otherwise") {
  auto loop = *lvs::event::EventLoop::Create();
  int renders = 0;
  auto server = lvs::runtime::MetricsServer::Start(*loop, "127.0.0.1:0", [&] {
    ++renders;
    return std::string("up 1\n");
  });
  REQUIRE(server.ok());
  int port = (*server)->port();
  REQUIRE(port > 0);
  std::string ok, missing;
  std::thread client([&] {
    ok = Fetch(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    missing = Fetch(port, "GET / HTTP/1.1\r\n\r\n");
    loop->Stop();
  });
  loop->Run();
  client.join();
  CHECK(ok.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(ok.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(ok.substr(ok.size() - 5) == "up 1\n");
  CHECK(missing.rfind("HTTP/1.1 404", 0) == 0);
  CHECK(renders == 1);
}

TEST_CASE("a bad metrics address is refused with a message") {
  auto loop = *lvs::event::EventLoop::Create();
  auto s =
      lvs::runtime::MetricsServer::Start(*loop, "localhost:9100", [] { return std::string(); });
  CHECK(s.status().message() ==
        "--metrics-listen 'localhost:9100': 'localhost' is not an IP address");
}
