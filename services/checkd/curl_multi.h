// libcurl's multi interface driven by our event loop: curl tells us which sockets
// to watch (CURLMOPT_SOCKETFUNCTION) and when to wake it (CURLMOPT_TIMERFUNCTION);
// we call curl_multi_socket_action on readiness. Every HTTP check shares it.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "absl/status/statusor.h"
#include "lib/event/event_loop.h"

namespace lvs::checkd {

class CurlMulti {
 public:
  static absl::StatusOr<std::unique_ptr<CurlMulti>> Create(event::EventLoop* loop);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  using Done = std::function<void(CURLcode)>;
  // Starts a transfer on a configured easy handle; `done` runs on the loop thread
  // when it ends, never from inside Add.
  absl::Status Add(CURL* easy, Done done);
  // Abandons a transfer without calling `done`. Safe for unknown handles.
  void Remove(CURL* easy);

 private:
  CurlMulti(event::EventLoop* loop, CURLM* multi);
  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  void Act(curl_socket_t fd, int ev_bitmask);
  void DrainCompletions();

  event::EventLoop* loop_;
  CURLM* multi_;
  event::EventLoop::TimerId timer_ = 0;
  std::unordered_set<int> watched_;
  std::unordered_map<CURL*, Done> transfers_;
};

}  // namespace lvs::checkd
