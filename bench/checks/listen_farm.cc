// listen_farm: N TCP listeners on consecutive loopback addresses, accepting and
// closing connections on one epoll loop, so checkd's benchmark has real listeners
// without a process per server. Reads commands on stdin:
//   close I     closes listener I (a real server dying) and prints "closed I <unix s>"
// Prints "ready N" once every listener listens.
//
//   listen_farm COUNT FIRST_IPV4 PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: listen_farm COUNT FIRST_IPV4 PORT\n");
    return 2;
  }
  int count = std::atoi(argv[1]);
  in_addr first{};
  if (inet_pton(AF_INET, argv[2], &first) != 1) return 2;
  int port = std::atoi(argv[3]);
  // One fd per listener, within the hard limit (the runner splits bigger farms).
  rlimit lim;
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_max < static_cast<rlim_t>(count + 16)) {
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
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 1024) != 0) {
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
  for (;;) {
    int n = epoll_wait(ep, events, 512, -1);
    for (int k = 0; k < n; ++k) {
      uint32_t i = events[k].data.u32;
      if (i != UINT32_MAX) {
        int c;
        while (fds[i] >= 0 && (c = accept4(fds[i], nullptr, nullptr, SOCK_NONBLOCK)) >= 0) close(c);
        continue;
      }
      char buf[4096];
      ssize_t r = read(0, buf, sizeof buf);
      if (r <= 0) return 0;
      line.append(buf, static_cast<size_t>(r));
      size_t nl;
      while ((nl = line.find('\n')) != std::string::npos) {
        int idx = -1;
        if (std::sscanf(line.c_str(), "close %d", &idx) == 1 && idx >= 0 && idx < count && fds[idx] >= 0) {
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
