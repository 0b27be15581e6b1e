// listen_farm: N TCP listeners on consecutive loopback addresses, accepting and
// closing connections on one epoll loop, so checkd's benchmark has real listeners
// without a process per server. With --http each connection gets a minimal HTTP
// 200 answer to its request first. Reads commands on stdin:
//   close I     closes listener I (a real server dying) and prints "closed I <unix s>"
//   reset       forgets the accept statistics
//   stats       prints "stats ACCEPTS P50_MS P99_MS MAX_MS": connections accepted
//               since reset, and the time between two accepts on the same
//               listener (a checker's period as the server sees it: delay_loop
//               plus the probe plus how late it started)
// Prints "ready N" once every listener listens.
//
//   listen_farm COUNT FIRST_IPV4 PORT [--http]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4 && !(argc == 5 && std::strcmp(argv[4], "--http") == 0)) {
    std::fprintf(stderr, "usage: listen_farm COUNT FIRST_IPV4 PORT [--http]\n");
    return 2;
  }
  const bool http = argc == 5;
  int count = std::atoi(argv[1]);
  in_addr first{};
  if (inet_pton(AF_INET, argv[2], &first) != 1) return 2;
  int port = std::atoi(argv[3]);
  // One fd per listener, within the hard limit (the runner splits bigger farms).
  rlimit lim;
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_max < static_cast<rlim_t>(count + 1040)) {
    std::fprintf(stderr, "%d listeners need more than the hard NOFILE limit %llu\n", count,
                 static_cast<unsigned long long>(lim.rlim_max));
    return 1;
  }
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  int ep = epoll_create1(0);
  std::vector<int> fds(count, -1);
  uint32_t base = ntohl(first.s_addr);
  for (int i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(base + static_cast<uint32_t>(i));
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        listen(fd, 1024) != 0) {
      std::fprintf(stderr, "listener %d: %s\n", i, std::strerror(errno));
      return 1;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    fds[i] = fd;
  }
  epoll_event in{};
  in.events = EPOLLIN;
  in.data.u32 = UINT32_MAX;
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  std::printf("ready %d\n", count);
  std::fflush(stdout);
  std::string line;
  epoll_event events[512];
  std::vector<double> last(count, 0);
  std::vector<double> periods;
  unsigned long accepts = 0;
  auto now = [] {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
  };
  // Connections waiting for their HTTP request: tagged by a high bit in data.u64.
  constexpr uint64_t kConn = 1ull << 40;
  static const char kAnswer[] =
      "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
  for (;;) {
    int n = epoll_wait(ep, events, 512, -1);
    for (int k = 0; k < n; ++k) {
      if (events[k].data.u64 & kConn) {
        int c = static_cast<int>(events[k].data.u64 & 0xffffffff);
        char req[2048];
        ssize_t r = read(c, req, sizeof req);
        if (r > 0) {
          ssize_t ignored = write(c, kAnswer, sizeof kAnswer - 1);
          (void)ignored;
        }
        if (r == 0 || r > 0 || errno != EAGAIN) close(c);  // closing drops it from epoll
        continue;
      }
      uint32_t i = events[k].data.u32;
      if (i != UINT32_MAX) {
        int c;
        while (fds[i] >= 0 && (c = accept4(fds[i], nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          const double t = now();
          if (last[i] > 0) periods.push_back(t - last[i]);
          last[i] = t;
          ++accepts;
          if (!http) {
            close(c);
            continue;
          }
          epoll_event ce{};
          ce.events = EPOLLIN;
          ce.data.u64 = kConn | static_cast<uint32_t>(c);
          if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce) != 0) close(c);
        }
        continue;
      }
      char buf[4096];
      ssize_t r = read(0, buf, sizeof buf);
      if (r <= 0) return 0;
      line.append(buf, static_cast<size_t>(r));
      size_t nl;
      while ((nl = line.find('\n')) != std::string::npos) {
        int idx = -1;
        if (line.compare(0, 5, "reset") == 0) {
          periods.clear();
          accepts = 0;
        } else if (line.compare(0, 5, "stats") == 0) {
          std::vector<double> v = periods;
          std::sort(v.begin(), v.end());
          auto at = [&](double q) {
            return v.empty() ? 0.0 : v[static_cast<size_t>(q * (v.size() - 1))] * 1000;
          };
          std::printf("stats %lu %.1f %.1f %.1f\n", accepts, at(0.5), at(0.99),
                      v.empty() ? 0.0 : v.back() * 1000);
          std::fflush(stdout);
        } else if (std::sscanf(line.c_str(), "close %d", &idx) == 1 && idx >= 0 && idx < count &&
                   fds[idx] >= 0) {
          epoll_ctl(ep, EPOLL_CTL_DEL, fds[idx], nullptr);
          close(fds[idx]);
          fds[idx] = -1;
          timeval tv;
          gettimeofday(&tv, nullptr);
          std::printf("closed %d %.6f\n", idx, static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6);
          std::fflush(stdout);
        }
        line.erase(0, nl + 1);
      }
    }
  }
}
